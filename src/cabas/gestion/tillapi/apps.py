from __future__ import annotations

from django.apps import AppConfig


class TillApiConfig(AppConfig):
    name = "cabas.gestion.tillapi"
    label = "tillapi"
    verbose_name = "API des caisses"
