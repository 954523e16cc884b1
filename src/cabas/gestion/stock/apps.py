from __future__ import annotations

from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "cabas.gestion.stock"
    label = "stock"
    verbose_name = "Stock"

    def ready(self) -> None:
        from cabas.gestion.stock import demo, documents  # noqa: F401  (registrations)
