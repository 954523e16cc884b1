from __future__ import annotations

from collections import Counter

from cabas.gestion.beneficiaries.demo import HOUSEHOLDS, load_demo_beneficiaries
from cabas.gestion.beneficiaries.models import Household, MonthlySpending
from cabas.gestion.beneficiaries.selectors import (
    beneficiary_settings,
    household_for_code,
    store_today,
    tariff_for_store,
)


def test_the_demo_households_have_rights_budgets_and_cards_and_load_once(world) -> None:
    users = {"responsable": world.alice, "stock": world.diane, "caisse": world.bob}
    load_demo_beneficiaries(world.store_a, users)
    load_demo_beneficiaries(world.store_a, users)
    households = list(Household.objects.filter(store=world.store_a))
    assert len(households) == HOUSEHOLDS >= 50
    today = store_today(world.store_a)
    statuses = Counter(h.status_on(today) for h in households)
    assert statuses["active"] >= 40
    assert statuses["suspended"] and statuses["expired"] and statuses["upcoming"]
    assert all(household_for_code(world.store_a, h.code) == h for h in households)
    assert MonthlySpending.objects.filter(store=world.store_a).exists()
    assert beneficiary_settings(world.store_a).shop_rate_bp == 2000
    assert tariff_for_store(world.store_a).origin_ceilings_bp == {"programme:FSE+": 0}
