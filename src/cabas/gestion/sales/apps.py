from __future__ import annotations

from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "cabas.gestion.sales"
    label = "sales"
    verbose_name = "Ventes"

    def ready(self) -> None:
        from cabas.gestion.sales import demo, documents, privacy  # noqa: F401  (registrations)
