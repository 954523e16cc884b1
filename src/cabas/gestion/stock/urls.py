from __future__ import annotations

from django.urls import path

from cabas.gestion.stock import views

app_name = "stock"

urlpatterns = [
    path("", views.home, name="home"),
    path("dates/", views.dates, name="dates"),
    path("entree/", views.lot_add, name="lot_add"),
    path("pertes/", views.loss_add, name="loss_add"),
    path("lots/<int:lot_id>/", views.lot_detail, name="lot_detail"),
    path("lots/<int:lot_id>/retirer/", views.lot_dispose, name="lot_dispose"),
    path("produits/<int:product_id>/", views.product_movements, name="product_movements"),
    path("inventaires/", views.count_list, name="count_list"),
    path("inventaires/nouveau/", views.count_add, name="count_add"),
    path("inventaires/<int:count_id>/", views.count_detail, name="count_detail"),
    path("inventaires/<int:count_id>/commencer/", views.count_start, name="count_start"),
    path("inventaires/<int:count_id>/scanner/", views.count_scan, name="count_scan"),
    path(
        "inventaires/<int:count_id>/lignes/<int:line_id>/",
        views.count_line_set,
        name="count_line_set",
    ),
    path(
        "inventaires/<int:count_id>/lots/<int:lot_line_id>/",
        views.count_lot_line_set,
        name="count_lot_line_set",
    ),
    path("inventaires/<int:count_id>/valider/", views.count_validate, name="count_validate"),
    path("inventaires/<int:count_id>/annuler/", views.count_cancel, name="count_cancel"),
]
