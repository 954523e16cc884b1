from __future__ import annotations

from django.urls import path

from cabas.gestion.stores import views

app_name = "stores"

urlpatterns = [
    path("epicerie/choisir/", views.choose_store, name="choose"),
    path("parametres/", views.store_settings, name="settings"),
    path("parametres/equipe/", views.people_list, name="people"),
    path("parametres/equipe/ajouter/", views.person_add, name="person_add"),
    path("parametres/equipe/<int:membership_id>/", views.person_edit, name="person_edit"),
    path(
        "parametres/equipe/<int:membership_id>/renvoyer-invitation/",
        views.person_welcome_resend,
        name="person_welcome_resend",
    ),
    path(
        "parametres/equipe/<int:membership_id>/reinitialiser-double-authentification/",
        views.person_second_factor_reset,
        name="person_second_factor_reset",
    ),
    path("parametres/journal/", views.audit_log, name="audit_log"),
    path("parametres/logo/", views.store_logo, name="logo"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation"),
]
