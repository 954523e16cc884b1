"""Root URLs: each app brings its own."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("cabas.gestion.core.urls")),
    path("", include("cabas.gestion.accounts.urls")),
    path("", include("cabas.gestion.stores.urls")),
    path("stock/", include("cabas.gestion.stock.urls")),
    path("achats/", include("cabas.gestion.purchasing.urls")),
    path("plateforme/", admin.site.urls),
]

handler403 = "cabas.gestion.core.views.permission_denied"
handler404 = "cabas.gestion.core.views.page_not_found"
handler500 = "cabas.gestion.core.views.server_error"
