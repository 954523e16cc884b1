from __future__ import annotations

from django.urls import path

from cabas.gestion.purchasing import picker_views, views

app_name = "purchasing"

urlpatterns = [
    path("", views.home, name="home"),
    path("commandes/nouvelle/", views.order_create, name="order_create"),
    path("commandes/<int:order_id>/", views.order_detail, name="order_detail"),
    path("commandes/<int:order_id>/ligne/", views.order_line_set, name="order_line_set"),
    path("commandes/<int:order_id>/modifier/", views.order_update, name="order_update"),
    path("commandes/<int:order_id>/envoyer/", views.order_send, name="order_send"),
    path("commandes/<int:order_id>/renvoyer/", views.order_resend, name="order_resend"),
    path("commandes/<int:order_id>/reessayer/", views.order_email_retry, name="order_email_retry"),
    path("commandes/<int:order_id>/annuler/", views.order_cancel, name="order_cancel"),
    path("commandes/<int:order_id>/solder/", views.order_close, name="order_close"),
    path("commandes/<int:order_id>/bon-de-commande.pdf", views.order_pdf, name="order_pdf"),
    path("commandes/<int:order_id>/reception/", views.order_receive, name="order_receive"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path(
        "suggestions/<int:supplier_id>/brouillon/",
        views.suggestion_create,
        name="suggestion_create",
    ),
    path("fournisseurs/", views.supplier_list, name="supplier_list"),
    path("fournisseurs/nouveau/", views.supplier_create, name="supplier_create"),
    path("fournisseurs/<int:supplier_id>/", views.supplier_detail, name="supplier_detail"),
    path("fournisseurs/<int:supplier_id>/modifier/", views.supplier_edit, name="supplier_edit"),
    path(
        "fournisseurs/<int:supplier_id>/produits.json",
        picker_views.supplier_product_picker,
        name="supplier_products",
    ),
    path(
        "fournisseurs/produits/<int:item_id>/retirer/",
        views.supplier_product_remove,
        name="supplier_product_remove",
    ),
    path("dons/", views.donation_list, name="donation_list"),
    path("dons/nouveau/", views.donation_create, name="donation_create"),
    path("livraisons/<int:delivery_id>/", views.delivery_detail, name="delivery_detail"),
    path("tracabilite/produits/<int:product_id>/", views.product_trace, name="product_trace"),
    path("tracabilite/lots/<int:lot_id>/", views.lot_trace, name="lot_trace"),
]
