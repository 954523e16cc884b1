from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries import selectors, services
from cabas.gestion.beneficiaries.models import MonthlySpending
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.concurrency import run_in_threads


def test_spending_adds_up_per_month(world) -> None:
    household = make_household(world.store_a, monthly_budget_cents=3000)
    services.spending_add(
        store=world.store_a, household=household, month="2026-03", amount_cents=1250
    )
    services.spending_add(
        store=world.store_a, household=household, month="2026-03", amount_cents=500
    )
    services.spending_add(
        store=world.store_a, household=household, month="2026-04", amount_cents=100
    )
    state = selectors.household_budget_state(household, "2026-03")
    assert (state.budget_cents, state.spent_cents, state.left_cents) == (3000, 1750, 1250)
    assert selectors.household_budget_state(household, "2026-04").spent_cents == 100
    assert selectors.household_budget_state(household, "2026-05").spent_cents == 0


def test_a_refund_gives_the_budget_back(world) -> None:
    household = make_household(world.store_a)
    services.spending_add(
        store=world.store_a, household=household, month="2026-03", amount_cents=900
    )
    services.spending_add(
        store=world.store_a, household=household, month="2026-03", amount_cents=-400
    )
    assert selectors.household_spent_cents(household, "2026-03") == 500


def test_spending_is_one_statement(world, django_assert_num_queries) -> None:
    household = make_household(world.store_a)
    with django_assert_num_queries(1):
        services.spending_add(
            store=world.store_a, household=household, month="2026-03", amount_cents=100
        )
    with django_assert_num_queries(1):
        services.spending_add(
            store=world.store_a, household=household, month="2026-03", amount_cents=100
        )


def test_spending_refuses_a_bad_month_or_another_shops_household(world) -> None:
    household = make_household(world.store_a)
    with pytest.raises(ValueError, match="Mois invalide"):
        services.spending_add(
            store=world.store_a, household=household, month="2026-13", amount_cents=1
        )
    with pytest.raises(ValueError):
        services.spending_add(
            store=world.store_b, household=household, month="2026-03", amount_cents=1
        )


def test_a_manual_correction_needs_a_reason_and_is_audited(world) -> None:
    household = make_household(world.store_a)
    services.spending_add(
        store=world.store_a, household=household, month="2026-03", amount_cents=2000
    )
    with pytest.raises(ValidationError):
        services.spending_correct(
            household=household, month="2026-03", delta_cents=-500, reason="  ", actor=world.alice
        )
    after = services.spending_correct(
        household=household,
        month="2026-03",
        delta_cents=-500,
        reason="Ticket compté deux fois",
        actor=world.alice,
    )
    assert after == 1500
    event = AuditEvent.objects.get(action="household.spending_corrected")
    assert event.actor == world.alice
    assert event.reason == "Ticket compté deux fois"
    assert event.changes["spent_cents"] == [2000, 1500]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_tickets_never_lose_an_increase() -> None:
    from tests.conftest import make_world

    world = make_world()
    household = make_household(world.store_a)
    threads_count, per_thread = 20, 5

    def sell() -> None:
        for _ in range(per_thread):
            services.spending_add(
                store=world.store_a, household=household, month="2026-03", amount_cents=7
            )

    _results, errors = run_in_threads(sell, threads_count)
    assert not errors, errors
    row = MonthlySpending.objects.get(household=household, month="2026-03")
    assert row.spent_cents == threads_count * per_thread * 7, connection.vendor
