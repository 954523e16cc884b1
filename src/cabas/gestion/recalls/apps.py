from __future__ import annotations

from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "cabas.gestion.recalls"
    label = "recalls"
    verbose_name = "Rappels de produits"

    def ready(self) -> None:
        from cabas.gestion.recalls import documents  # noqa: F401  (registrations)
