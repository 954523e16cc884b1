from __future__ import annotations

from django.apps import AppConfig


class PickupsConfig(AppConfig):
    name = "cabas.gestion.pickups"
    label = "pickups"
    verbose_name = "Ramasses"

    def ready(self) -> None:
        from cabas.gestion.pickups import documents  # noqa: F401  (registrations)
