from __future__ import annotations

from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    name = "cabas.gestion.purchasing"
    label = "purchasing"
    verbose_name = "Achats"

    def ready(self) -> None:
        from cabas.gestion.purchasing import demo, documents, programmes  # noqa: F401  (registrations)
