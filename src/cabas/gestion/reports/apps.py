from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cabas.gestion.reports"
    label = "reports"
    verbose_name = "Rapports"

    def ready(self) -> None:
        from cabas.gestion.reports import demo  # noqa: F401  (registers the demo loader)
