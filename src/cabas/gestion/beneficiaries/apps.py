from __future__ import annotations

from django.apps import AppConfig


class BeneficiariesConfig(AppConfig):
    name = "cabas.gestion.beneficiaries"
    label = "beneficiaries"
    verbose_name = "Bénéficiaires"

    def ready(self) -> None:
        from cabas.gestion.audit.describe import register_format
        from cabas.gestion.beneficiaries import (
            codes,
            demo,  # noqa: F401  (registers the demo loader)
        )

        # The journal shows a card's code as the card prints it.
        register_format("beneficiaries.household", "code", lambda code: codes.display(str(code)))
