from __future__ import annotations

from django.apps import AppConfig


class BeneficiariesConfig(AppConfig):
    name = "cabas.gestion.beneficiaries"
    label = "beneficiaries"
    verbose_name = "Bénéficiaires"

    def ready(self) -> None:
        from cabas.gestion.beneficiaries import demo  # noqa: F401  (registers the demo loader)
