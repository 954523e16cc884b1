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

        # Shelf labels print the cardholders' price beside the full one (the catalogue,
        # below this app, cannot read the tariff itself).
        from cabas.gestion.beneficiaries.selectors import participation_unit_prices
        from cabas.gestion.catalog.labels import register_participation

        register_participation(participation_unit_prices)
        # The journal shows a card's code as the card prints it.
        register_format("beneficiaries.household", "code", lambda code: codes.display(str(code)))
