from __future__ import annotations

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "cabas.gestion.catalog"
    label = "catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from cabas.gestion.catalog import demo  # noqa: F401  (registers the demo loader)
