"""Households for tests, made through the real services."""

from __future__ import annotations

from datetime import date
from typing import Any

from cabas.gestion.accounts.models import User
from cabas.gestion.beneficiaries import services
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.stores.models import Store


def make_household(
    store: Store,
    actor: User | None = None,
    *,
    last_name: str = "Dupont",
    first_name: str = "Marie",
    admit: tuple[date, date] | None = None,
    **data: Any,
) -> Household:
    household = services.household_create(
        store=store, actor=actor, data={"last_name": last_name, "first_name": first_name, **data}
    )
    if admit is not None:
        # Any history (tests date it freely): the check of a start typed today is rights_admit's.
        services.rights_period_record(
            household=household, actor=actor, start=admit[0], end=admit[1]
        )
        household.refresh_from_db()
    return household
