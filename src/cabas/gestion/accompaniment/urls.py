from __future__ import annotations

from django.urls import path

from cabas.gestion.accompaniment import views

app_name = "accompaniment"

urlpatterns = [
    path("beneficiaires/<int:pk>/accompagnement/", views.household_accompaniment, name="household"),
    path("beneficiaires/<int:pk>/projet/nouveau/", views.project_edit, name="project_add"),
    path(
        "beneficiaires/<int:pk>/projet/<int:project_pk>/modifier/",
        views.project_edit,
        name="project_edit",
    ),
    path(
        "beneficiaires/<int:pk>/projet/<int:project_pk>/contrat.pdf",
        views.project_contract,
        name="contract",
    ),
    path(
        "beneficiaires/<int:pk>/projet/<int:project_pk>/signature/",
        views.project_sign,
        name="sign",
    ),
    path(
        "beneficiaires/<int:pk>/projet/<int:project_pk>/cloture/",
        views.project_close,
        name="close",
    ),
    path(
        "beneficiaires/<int:pk>/projet/<int:project_pk>/point/",
        views.project_review,
        name="review",
    ),
    path("beneficiaires/<int:pk>/ateliers/", views.workshop_attend, name="attend"),
    path("beneficiaires/<int:pk>/rendez-vous/", views.household_book, name="household_book"),
    path("accompagnement/ateliers/", views.workshops, name="workshops"),
    path("accompagnement/reglages/", views.accompaniment_settings, name="settings"),
    path("rendez-vous/", views.day_view, name="day"),
    path("rendez-vous/creneaux/", views.slots, name="slots"),
    path("rendez-vous/creneaux/serie/", views.series_create, name="series_create"),
    path("rendez-vous/creneaux/nouveau/", views.slot_create, name="slot_create"),
    path("rendez-vous/creneaux/<int:slot_pk>/reserver/", views.slot_book, name="book"),
    path("rendez-vous/creneaux/<int:slot_pk>/annuler/", views.slot_cancel, name="slot_cancel"),
    path("rendez-vous/<int:appointment_pk>/etat/", views.appointment_status, name="status"),
]
