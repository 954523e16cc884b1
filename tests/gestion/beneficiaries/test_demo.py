from __future__ import annotations

from collections import Counter

from cabas.gestion.beneficiaries.demo import HOUSEHOLDS, load_demo_beneficiaries
from cabas.gestion.beneficiaries.models import Household, MonthlySpending
from cabas.gestion.beneficiaries.selectors import (
    beneficiary_settings,
    household_for_code,
    tariff_for_store,
)


def test_the_demo_households_have_rights_budgets_and_cards_and_load_once(world) -> None:
    users = {"responsable": world.alice, "stock": world.diane, "caisse": world.bob}
    load_demo_beneficiaries(world.store_a, users)
    load_demo_beneficiaries(world.store_a, users)
    households = list(Household.objects.filter(store=world.store_a))
    assert len(households) == HOUSEHOLDS >= 50
    today = world.store_a.today()
    statuses = Counter(h.status_on(today) for h in households)
    assert statuses["active"] >= 40
    assert statuses["suspended"] and statuses["expired"] and statuses["upcoming"]
    assert all(household_for_code(world.store_a, h.code) == h for h in households)
    assert MonthlySpending.objects.filter(store=world.store_a).exists()
    assert beneficiary_settings(world.store_a).shop_rate_bp == 2000
    assert tariff_for_store(world.store_a).origin_ceilings_bp == {"programme:FSE+": 0}


def test_each_demo_household_agrees_with_its_period_and_members(world) -> None:
    users = {"responsable": world.alice, "stock": world.diane, "caisse": world.bob}
    load_demo_beneficiaries(world.store_a, users)
    for household in Household.objects.filter(store=world.store_a).prefetch_related(
        "periods", "members"
    ):
        (period,) = household.periods.all()
        assert (household.rights_start, household.rights_end) == (period.start, period.end)
        assert household.rights_suspended == period.is_suspended
        members = list(household.members.all())
        assert sum(m.is_adult for m in members) == household.adults
        assert sum(not m.is_adult for m in members) == household.children
        months = household.spendings.values_list("month", flat=True)
        assert all(month >= f"{period.start:%Y-%m}" for month in months)
