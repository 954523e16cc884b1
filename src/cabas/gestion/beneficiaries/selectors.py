"""Reads about households: look-ups by card code, budget state, lists for the pages."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from cabas.gestion.beneficiaries import codes
from cabas.gestion.beneficiaries.models import (
    BeneficiarySettings,
    Household,
    MonthlySpending,
    RetiredCode,
)
from cabas.gestion.stores.models import Store
from cabas.rules.budget import BudgetState, month_of


def store_today(store: Store) -> date:
    """Today's date in the shop's time zone (rights start and end on the shop's dates)."""
    return timezone.localdate(timezone=ZoneInfo(store.timezone))


def current_month(store: Store) -> str:
    """This budget month ("YYYY-MM") in the shop's time zone."""
    return month_of(timezone.now(), store.timezone)


def beneficiary_settings(store: Store) -> BeneficiarySettings:
    """The shop's settings, created with the defaults on first use."""
    found, _created = BeneficiarySettings.objects.get_or_create(store=store)
    return found


def household_for_code(store: Store, code: str) -> Household | None:
    """The household whose current card carries `code` (as scanned or typed), or None.

    An old (re-issued) card, a typo caught by the check character or an anonymised household
    all answer None.
    """
    normalized = codes.normalize(code)
    if not codes.is_valid(normalized):
        return None
    return Household.objects.filter(
        store=store, code=normalized, anonymised_at__isnull=True
    ).first()


def household_spent_cents(household: Household, month: str) -> int:
    row = (
        MonthlySpending.objects.filter(household=household, month=month)
        .values_list("spent_cents", flat=True)
        .first()
    )
    return row or 0


def household_budget_state(household: Household, month: str) -> BudgetState:
    """The household's budget for `month` and what acknowledged tickets spent in it."""
    return BudgetState(
        budget_cents=household.monthly_budget_cents,
        spent_cents=household_spent_cents(household, month),
    )


def till_status(household: Household, today: date) -> str:
    """The status the till knows: "active", "suspended" or "expired" (rights not in force:
    over, not yet open, or never granted)."""
    status = household.status_on(today)
    return status if status in ("active", "suspended") else "expired"


def households_changed_since(store: Store, since: datetime, now: datetime) -> QuerySet[Household]:
    """Households whose till data may have changed in (`since`, `now`]: their file changed,
    their spending changed, or a day on which their rights open or end passed (status follows
    the dates by itself, without any write)."""
    zone = ZoneInfo(store.timezone)
    first_day = since.astimezone(zone).date()
    last_day = now.astimezone(zone).date()
    dates_passed = Q()
    if last_day > first_day:
        # Rights open on `rights_start` and are over the day after `rights_end`.
        dates_passed = Q(rights_start__gt=first_day, rights_start__lte=last_day) | Q(
            rights_end__gte=first_day, rights_end__lt=last_day
        )
    spent = MonthlySpending.objects.filter(store=store, updated_at__gt=since).values("household_id")
    query = Q(updated_at__gt=since) | Q(pk__in=spent)
    if dates_passed:
        query |= dates_passed
    return Household.objects.filter(store=store).filter(query)


def codes_retired_since(store: Store, since: datetime) -> list[str]:
    """Card codes that stopped opening a household after `since` (re-issued cards, anonymised
    households): the till must forget them."""
    return list(
        RetiredCode.objects.filter(store=store, retired_at__gt=since).values_list("code", flat=True)
    )
