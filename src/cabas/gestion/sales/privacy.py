"""Sales' part of a household for beneficiaries' privacy duties (see
:mod:`cabas.gestion.beneficiaries.parts`): its tickets and anomalies in the access-request
export, and its name out of the anomalies' texts at the anonymisation."""

from __future__ import annotations

from collections.abc import Sequence

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.parts import HouseholdPart, household_part_register
from cabas.gestion.sales.models import Anomaly
from cabas.gestion.sales.selectors import household_sales_export
from cabas.gestion.sales.services import anomalies_scrub_names


def _erase(household: Household, names: Sequence[str]) -> None:
    # Anomalies written before the pages showed the name at display time carry it in their
    # text, and a reviewer's note may name the household.
    anomalies_scrub_names(
        anomalies=Anomaly.objects.filter(store_id=household.store_id, ticket__household=household),
        names=names,
    )


household_part_register(HouseholdPart(name="sales", export=household_sales_export, erase=_erase))
