from __future__ import annotations

from django.urls import path

from cabas.gestion.recalls import views

app_name = "recalls"

urlpatterns = [
    path("", views.recall_list, name="list"),
    path("nouveau/", views.recall_create, name="create"),
    path("<int:recall_id>/", views.recall_detail, name="detail"),
    path("<int:recall_id>/actions/", views.recall_action_add, name="action_add"),
    path("<int:recall_id>/debloquer/", views.recall_lift, name="lift"),
    path("<int:recall_id>/clore/", views.recall_close, name="close"),
]
