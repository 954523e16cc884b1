from __future__ import annotations

from django.apps import AppConfig


class PosConfig(AppConfig):
    name = "cabas.gestion.pos"
    label = "pos"
    verbose_name = "Caisses"

    def ready(self) -> None:
        from cabas.gestion.pos import checks, demo  # noqa: F401  (registrations)
