from __future__ import annotations

from django.urls import path

from cabas.gestion.catalog import picker, views

app_name = "catalog"

urlpatterns = [
    path("produits/", views.product_list, name="product_list"),
    path("produits/nouveau/", views.product_create, name="product_create"),
    path("produits/choisir.json", picker.product_picker, name="product_picker"),
    path("produits/<int:product_id>/", views.product_view, name="product_detail"),
    path("produits/<int:product_id>/modifier/", views.product_edit, name="product_edit"),
    path("produits/<int:product_id>/archiver/", views.product_archive, name="product_archive"),
    path("produits/<int:product_id>/reactiver/", views.product_restore, name="product_restore"),
    path("produits/<int:product_id>/codes-barres/", views.barcode_add, name="barcode_add"),
    path(
        "produits/<int:product_id>/codes-barres/<int:barcode_id>/retirer/",
        views.barcode_remove,
        name="barcode_remove",
    ),
    path("produits/<int:product_id>/code-interne/", views.internal_code, name="internal_code"),
    path("produits/etiquettes/", views.labels, name="labels"),
    path("produits/catalogue-generique/", views.catalogue_activate, name="catalogue_activate"),
    path("produits/export.<str:fmt>", views.export, name="export"),
    path("produits/import/", views.import_upload, name="import_upload"),
    path("produits/import/<int:import_id>/", views.import_preview, name="import_preview"),
    path("produits/import/<int:import_id>/confirmer/", views.import_confirm, name="import_confirm"),
    path("produits/reglages/", views.catalog_settings, name="settings"),
    path("rayons/", views.category_list, name="category_list"),
    path("rayons/nouveau/", views.category_create, name="category_create"),
    path("rayons/<int:category_id>/", views.category_edit, name="category_edit"),
    path("rayons/<int:category_id>/supprimer/", views.category_delete, name="category_delete"),
]
