from __future__ import annotations

from django.urls import path

from cabas.gestion.sales import views

app_name = "sales"

urlpatterns = [
    path("quarantaine/", views.quarantine_list, name="quarantine_list"),
    path("quarantaine/<int:item_id>/", views.quarantine_detail, name="quarantine_detail"),
]
