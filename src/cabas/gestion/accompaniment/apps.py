from __future__ import annotations

from django.apps import AppConfig


class AccompanimentConfig(AppConfig):
    name = "cabas.gestion.accompaniment"
    label = "accompaniment"
    verbose_name = "Accompagnement"

    def ready(self) -> None:
        # The household's file asks for its accompaniment's part of an access-request export
        # and of an anonymisation through the signals of cabas.gestion.beneficiaries.signals.
        from cabas.gestion.accompaniment import receivers  # noqa: F401
