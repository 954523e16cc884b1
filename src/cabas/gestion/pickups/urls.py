from __future__ import annotations

from django.urls import path

from cabas.gestion.pickups import views

app_name = "pickups"

urlpatterns = [
    path("", views.home, name="home"),
    path("nouvelle/", views.collection_start, name="collection_start"),
    path("<int:collection_id>/", views.collection_detail, name="collection_detail"),
    path(
        "<int:collection_id>/lignes/<int:line_id>/supprimer/",
        views.line_remove,
        name="line_remove",
    ),
    path("<int:collection_id>/valider/", views.collection_validate, name="collection_validate"),
    path("<int:collection_id>/annuler/", views.collection_cancel, name="collection_cancel"),
    path("donateurs/", views.donor_list, name="donor_list"),
    path("donateurs/nouveau/", views.donor_create, name="donor_create"),
    path("donateurs/<int:donor_id>/", views.donor_edit, name="donor_edit"),
    path("familles/", views.category_list, name="category_list"),
    path("familles/habituelles/", views.category_defaults, name="category_defaults"),
    path("familles/nouvelle/", views.category_create, name="category_create"),
    path("familles/<int:category_id>/", views.category_edit, name="category_edit"),
    path("registre/", views.register, name="register"),
    path("attestations/", views.certificates, name="certificates"),
    path("attestations/<int:donor_id>/<int:year>/", views.certificate, name="certificate"),
]
