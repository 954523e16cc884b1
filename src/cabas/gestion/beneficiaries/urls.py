from __future__ import annotations

from django.urls import path

from cabas.gestion.beneficiaries import funder_views, views

app_name = "beneficiaries"

urlpatterns = [
    path("beneficiaires/", views.household_list, name="list"),
    path("beneficiaires/nouveau/", views.household_create, name="create"),
    path("beneficiaires/fin-de-droits/", views.rights_ending, name="ending"),
    path("beneficiaires/cartes/", views.cards_print, name="cards"),
    path("beneficiaires/importer/", views.household_import, name="import"),
    path(
        "beneficiaires/importer/modele.csv", views.household_import_template, name="import_template"
    ),
    path("beneficiaires/reglages/", views.beneficiary_settings, name="settings"),
    path("beneficiaires/quotas/", views.quota_list, name="quotas"),
    path("beneficiaires/quotas/nouveau/", views.quota_edit, name="quota_add"),
    path("beneficiaires/quotas/<int:pk>/", views.quota_edit, name="quota_edit"),
    path("beneficiaires/quotas/<int:pk>/supprimer/", views.quota_delete, name="quota_delete"),
    path("beneficiaires/<int:pk>/", views.household_detail, name="detail"),
    path("beneficiaires/<int:pk>/modifier/", views.household_edit, name="edit"),
    path("beneficiaires/<int:pk>/composition/", views.household_members, name="members"),
    path(
        "beneficiaires/<int:pk>/financeurs/",
        funder_views.household_funder_answers,
        name="funder_answers",
    ),
    path("beneficiaires/<int:pk>/droits/", views.rights_admit, name="admit"),
    path("beneficiaires/<int:pk>/droits/renouveler/", views.rights_renew, name="renew"),
    path("beneficiaires/<int:pk>/droits/suspendre/", views.rights_suspend, name="suspend"),
    path("beneficiaires/<int:pk>/droits/reprendre/", views.rights_resume, name="resume"),
    path("beneficiaires/<int:pk>/budget/", views.household_budget, name="budget"),
    path("beneficiaires/<int:pk>/depenses/", views.spending_correct, name="spending"),
    path("beneficiaires/<int:pk>/carte/", views.household_card, name="card"),
    path("beneficiaires/<int:pk>/carte/remplacer/", views.card_reissue, name="card_reissue"),
    path("beneficiaires/<int:pk>/rgpd/", views.household_privacy, name="privacy"),
    path("beneficiaires/<int:pk>/export/", views.household_export, name="export"),
    path("beneficiaires/<int:pk>/vos-donnees.pdf", views.household_export_pdf, name="export_pdf"),
    path("beneficiaires/<int:pk>/anonymiser/", views.household_erase, name="erase"),
]
