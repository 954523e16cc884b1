from __future__ import annotations

from django.urls import path

from cabas.gestion.admissions import views

app_name = "admissions"

urlpatterns = [
    # The partners' form: no account, the link's token says the shop and the service.
    path("orientation/<str:token>/", views.referral_public, name="public"),
    path("orientation/<str:token>/envoyee/<str:reference>/", views.referral_sent, name="sent"),
    # The team's pages.
    path("admissions/", views.referral_queue, name="queue"),
    path("admissions/nouvelle/", views.referral_create, name="create"),
    path("admissions/<int:pk>/", views.referral_detail, name="detail"),
    path("admissions/liens/", views.partner_links, name="links"),
    path("admissions/liens/<int:pk>/revoquer/", views.partner_link_revoke, name="link_revoke"),
    path("admissions/reglages/", views.admission_settings, name="settings"),
    path("admissions/commission/", views.session_list, name="sessions"),
    path("admissions/commission/<int:pk>/", views.session_detail, name="session"),
    path(
        "admissions/commission/<int:pk>/decision/<int:decision_pk>/",
        views.session_decide,
        name="decide",
    ),
    path(
        "admissions/commission/<int:pk>/compte-rendu.pdf",
        views.session_minutes,
        name="minutes",
    ),
]
