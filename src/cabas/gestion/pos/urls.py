from __future__ import annotations

from django.urls import path

from cabas.gestion.pos import views

app_name = "pos"

urlpatterns = [
    path("", views.home, name="home"),
    path("telecharger/", views.download, name="download"),
    path("codes/nouveau/", views.code_create, name="code_create"),
    path("caisses/<uuid:device_id>/", views.device_edit, name="device_edit"),
    path("caisses/<uuid:device_id>/revoquer/", views.device_revoke, name="device_revoke"),
    path("caissiers/", views.cashier_list, name="cashiers"),
    path("caissiers/<int:membership_id>/pin/", views.cashier_pin, name="cashier_pin"),
]
