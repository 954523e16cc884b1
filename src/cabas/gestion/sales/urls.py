from __future__ import annotations

from django.urls import path

from cabas.gestion.sales import views

app_name = "sales"

urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("tickets/<uuid:ticket_id>/", views.ticket_detail, name="ticket_detail"),
    path("anomalies/", views.anomaly_list, name="anomaly_list"),
    path("anomalies/traiter/", views.anomalies_handle, name="anomalies_handle"),
    path("anomalies/<int:anomaly_id>/traiter/", views.anomaly_handle, name="anomaly_handle"),
    path("quarantaine/", views.quarantine_list, name="quarantine_list"),
    path("quarantaine/<int:item_id>/", views.quarantine_detail, name="quarantine_detail"),
    path("sessions/", views.cash_session_list, name="cash_session_list"),
    path("sessions/<uuid:session_id>/", views.cash_session_detail, name="cash_session_detail"),
]
