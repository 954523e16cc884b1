from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries import selectors, services
from tests.gestion.beneficiaries.factories import make_household

MARCH = (date(2026, 3, 1), date(2026, 5, 31))


def test_a_household_without_rights_has_no_status_and_is_expired_for_the_till(world) -> None:
    household = make_household(world.store_a)
    assert household.status_on(date(2026, 3, 1)) is None
    assert selectors.till_status(household, date(2026, 3, 1)) == "expired"


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 2, 28), "upcoming"),
        (date(2026, 3, 1), "active"),
        (date(2026, 5, 31), "active"),
        (date(2026, 6, 1), "expired"),
    ],
)
def test_the_status_follows_the_dates(world, today: date, status: str) -> None:
    household = make_household(world.store_a, admit=MARCH)
    assert household.status_on(today) == status


def test_a_suspension_and_its_resumption_are_audited(world) -> None:
    household = make_household(world.store_a, admit=MARCH)
    today = date(2026, 4, 10)
    with pytest.raises(ValidationError):
        services.rights_suspend(household=household, actor=world.alice, reason="", today=today)
    services.rights_suspend(household=household, actor=world.alice, reason="Absences", today=today)
    assert household.status_on(today) == "suspended"
    assert selectors.till_status(household, today) == "suspended"
    assert household.status_on(date(2026, 6, 1)) == "expired"
    services.rights_resume(household=household, actor=world.alice, today=date(2026, 4, 20))
    assert household.status_on(date(2026, 4, 20)) == "active"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"household.rights_suspended", "household.rights_resumed"} <= actions


def test_a_renewal_follows_on_from_rights_in_force(world) -> None:
    household = make_household(world.store_a, admit=MARCH)
    period = services.rights_renew(
        household=household, actor=world.alice, months=3, today=date(2026, 5, 20)
    )
    assert (period.start, period.end) == (date(2026, 6, 1), date(2026, 8, 31))
    household.refresh_from_db()
    assert (household.rights_start, household.rights_end) == (date(2026, 3, 1), date(2026, 8, 31))
    assert household.status_on(date(2026, 6, 15)) == "active"


def test_a_renewal_of_expired_rights_starts_today(world) -> None:
    household = make_household(world.store_a, admit=MARCH)
    period = services.rights_renew(
        household=household, actor=world.alice, months=6, today=date(2026, 9, 15)
    )
    assert (period.start, period.end) == (date(2026, 9, 15), date(2027, 3, 14))
    household.refresh_from_db()
    assert household.rights_start == date(2026, 9, 15)


def test_suspended_rights_are_resumed_before_a_renewal(world) -> None:
    household = make_household(world.store_a, admit=MARCH)
    services.rights_suspend(
        household=household, actor=world.alice, reason="x", today=date(2026, 4, 1)
    )
    with pytest.raises(ValidationError, match="reprenez"):
        services.rights_renew(
            household=household, actor=world.alice, months=3, today=date(2026, 4, 2)
        )


def test_periods_cannot_overlap_or_run_backwards(world) -> None:
    household = make_household(world.store_a, admit=MARCH)
    with pytest.raises(ValidationError):
        services.rights_period_record(
            household=household, actor=world.alice, start=date(2026, 5, 1), end=date(2026, 7, 31)
        )
    with pytest.raises(ValidationError):
        services.rights_period_record(
            household=household, actor=world.alice, start=date(2026, 9, 1), end=date(2026, 8, 1)
        )


def test_three_months_from_the_first_end_on_the_last_day_of_the_third_month() -> None:
    assert services.period_end_for(date(2026, 3, 1), 3) == date(2026, 5, 31)
    assert services.period_end_for(date(2026, 1, 31), 1) == date(2026, 2, 27)
    assert services.period_end_for(date(2026, 11, 15), 6) == date(2027, 5, 14)


def test_the_till_delta_includes_households_whose_rights_end_or_open(world) -> None:
    paris = ZoneInfo("Europe/Paris")
    today = timezone.now().astimezone(paris).date()
    tomorrow = today + timedelta(days=1)
    ending = make_household(
        world.store_a, last_name="Fin", admit=(today - timedelta(days=60), today)
    )
    opening = make_household(
        world.store_a, last_name="Début", admit=(tomorrow, tomorrow + timedelta(days=90))
    )
    untouched = make_household(
        world.store_a,
        last_name="Calme",
        admit=(today - timedelta(days=30), today + timedelta(days=60)),
    )
    since = timezone.now()
    assert not selectors.households_changed_since(world.store_a, since, since).exists()
    a_day_later = since + timedelta(days=1)
    changed = set(selectors.households_changed_since(world.store_a, since, a_day_later))
    assert changed == {ending, opening}
    services.spending_add(
        store=world.store_a, household=untouched, month="2026-03", amount_cents=10
    )
    assert untouched in selectors.households_changed_since(world.store_a, since, since)


def test_registering_a_household_is_all_or_nothing(world) -> None:
    from cabas.gestion.beneficiaries.models import Household

    data = {"last_name": "Martin", "first_name": "Paul"}
    start = world.store_a.today()
    with pytest.raises(ValidationError):  # 0 months: the rights would end before they start
        services.household_register(
            store=world.store_a,
            actor=world.alice,
            data=data,
            start=start,
            months=0,
            privacy_accepted=True,
        )
    assert not Household.objects.filter(store=world.store_a, last_name="Martin").exists()
    household = services.household_register(
        store=world.store_a,
        actor=world.alice,
        data=data,
        start=start,
        months=3,
        privacy_accepted=True,
    )
    assert (household.rights_start, household.rights_end) == (
        start,
        services.period_end_for(start, 3),
    )
    assert household.privacy_accepted_by == world.alice
