from __future__ import annotations

from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "cabas.gestion.stores"
    label = "stores"
    verbose_name = "Épiceries"
