from __future__ import annotations

from django.urls import path

from cabas.gestion.reports import return_views, views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("ventes/", views.sales, name="sales"),
    path("ventes/tickets/", views.sales_tickets, name="sales_tickets"),
    path("stock/", views.stock, name="stock"),
    path("activite/", views.activity, name="activity"),
    path("bilans/", return_views.funder_returns, name="returns"),
    path("statistiques/", views.statistics, name="statistics"),
    path("statistiques/enregistrer/", views.statistic_save, name="statistic_save"),
    path("statistiques/<int:statistic_id>/", views.statistic_detail, name="statistic_detail"),
    path(
        "statistiques/<int:statistic_id>/supprimer/",
        views.statistic_delete,
        name="statistic_delete",
    ),
]
