from __future__ import annotations

from django.urls import path

from cabas.gestion.core import views as core_views
from cabas.gestion.home import views

# The names are older than this app and kept: core:home, core:healthz.
app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
]
