"""Root URLs: each app brings its own."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path

from cabas.gestion.tillapi.api import api as pos_api
from cabas.gestion.tillapi.api import api_not_found

urlpatterns = [
    path("", include("cabas.gestion.home.urls")),
    path("", include("cabas.gestion.accounts.urls")),
    path("", include("cabas.gestion.stores.urls")),
    path("", include("cabas.gestion.beneficiaries.urls")),
    path("", include("cabas.gestion.accompaniment.urls")),
    path("", include("cabas.gestion.catalog.urls")),
    path("stock/", include("cabas.gestion.stock.urls")),
    path("achats/", include("cabas.gestion.purchasing.urls")),
    path("caisse/", include("cabas.gestion.pos.urls")),
    path("", include("cabas.gestion.admissions.urls")),
    path("ventes/", include("cabas.gestion.sales.urls")),
    path("api/pos/v1/", pos_api.urls),
    re_path(r"^api/pos/v1/(?P<rest>.*)$", api_not_found),
    path("rapports/", include("cabas.gestion.reports.urls")),
    path("plateforme/", admin.site.urls),
]

handler403 = "cabas.gestion.core.views.permission_denied"
handler404 = "cabas.gestion.core.views.page_not_found"
handler500 = "cabas.gestion.core.views.server_error"
