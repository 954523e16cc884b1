from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cabas.gestion.core"
    label = "core"
    verbose_name = "Cabas"

    def ready(self) -> None:
        from cabas.gestion.core import checks  # noqa: F401  (registers the system checks)
