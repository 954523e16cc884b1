from __future__ import annotations

from django.apps import AppConfig


class RecallsConfig(AppConfig):
    name = "cabas.gestion.recalls"
    label = "recalls"
    verbose_name = "Rappels de produits"

    def ready(self) -> None:
        from cabas.gestion.recalls import documents  # noqa: F401  (registrations)
        from cabas.gestion.recalls.intake import RECALL_LINE_CHECK
        from cabas.gestion.sales.line_checks import register_line_check

        register_line_check(RECALL_LINE_CHECK)
