"""Reads about households: look-ups by card code, budget state, lists for the pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cabas.gestion.beneficiaries import codes
from cabas.gestion.beneficiaries.funders import funder_answers_export
from cabas.gestion.beneficiaries.models import (
    BeneficiarySettings,
    Household,
    HouseholdMember,
    MonthlySpending,
    Quota,
    RetiredCode,
)
from cabas.gestion.beneficiaries.parts import household_parts, plain, programme_sources
from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.core.models import PendingImport
from cabas.gestion.stores.models import Store
from cabas.rules.budget import BudgetState, month_of
from cabas.rules.categories import path as category_path
from cabas.rules.dates import add_months
from cabas.rules.pricing import Tariff, beneficiary_unit_price_cents
from cabas.rules.quotas import Quota as QuotaRule


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
    zone = store.zone
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


def tariff_for_store(store: Store) -> Tariff:
    """The shop's rates as the till applies them: the shop's rate, the rates set on categories
    and products, the ceilings by product origin. (Customers without a card pay the full price:
    `Tariff.rate_for(..., with_card=False)`; a household's own rate travels with it.)"""
    found = beneficiary_settings(store)
    categories = Category.objects.filter(store=store, rate_bp__isnull=False).values_list(
        "pk", "rate_bp"
    )
    products = Product.objects.filter(store=store, rate_bp__isnull=False).values_list(
        "pk", "rate_bp"
    )
    return Tariff(
        shop_rate_bp=found.shop_rate_bp,
        category_rates_bp={str(pk): rate for pk, rate in categories if rate is not None},
        product_rates_bp={str(pk): rate for pk, rate in products if rate is not None},
        origin_ceilings_bp=dict(found.origin_ceilings_bp or {}),
    )


def participation_unit_prices(store: Store, products: Sequence[Product]) -> dict[int, int]:
    """What a cardholder pays for one piece (or one kilo) of each product, by pk, at the rate
    the till applies to purchased goods: the product's, else its rayon's (through the parent
    rayons), else the shop's. For shelf labels: a household's own rate and the ceilings of
    donated goods can only lower it."""
    tariff = tariff_for_store(store)
    parents: dict[int, int | None] = dict(
        Category.objects.filter(store=store).values_list("pk", "parent_id")
    )
    prices = {}
    for product in products:
        rayons: list[int] = category_path(product.category_id, parents)
        decision = tariff.rate_for(product.pk, rayons, None, None)
        prices[product.pk] = beneficiary_unit_price_cents(product.price_cents, decision.rate_bp)
    return prices


def quotas_for_store(store: Store) -> list[QuotaRule]:
    """The shop's active quotas as rules objects (`cabas.rules.quotas.Quota`)."""
    return [quota.as_rule() for quota in Quota.objects.filter(store=store, active=True)]


STATUS_FILTERS = ("active", "suspended", "expired", "upcoming", "ending", "all")


def status_q(status: str, today: date, ending_days: int = 30) -> Q:
    """The households in a rights status on `today`, as a filter (mirrors `rights_status`)."""
    in_force = Q(rights_start__lte=today, rights_end__gte=today)
    if status == "active":
        return in_force & Q(rights_suspended=False)
    if status == "suspended":
        return in_force & Q(rights_suspended=True)
    if status == "expired":
        return Q(rights_end__lt=today) | Q(rights_end__isnull=True)
    if status == "upcoming":
        return Q(rights_start__gt=today)
    if status == "ending":
        return in_force & Q(rights_end__lte=today + timedelta(days=ending_days))
    return Q()


def households_notice_to_sign(store: Store) -> QuerySet[Household]:
    """The households (not anonymised) whose acceptance of the information notice is not
    recorded: imported « notice à faire signer »."""
    return Household.objects.filter(
        store=store, anonymised_at__isnull=True, privacy_accepted_at__isnull=True
    )


def household_list(
    store: Store,
    *,
    today: date,
    month: str,
    status: str = "all",
    query: str = "",
    notice_to_sign: bool = False,
) -> QuerySet[Household]:
    """The shop's households (not anonymised) with this month's spending as `spent_month`;
    ``notice_to_sign``: only those whose notice is still to sign."""
    spent = MonthlySpending.objects.filter(household=OuterRef("pk"), month=month).values(
        "spent_cents"
    )[:1]
    households = (
        households_notice_to_sign(store)
        if notice_to_sign
        else Household.objects.filter(store=store, anonymised_at__isnull=True)
    ).filter(status_q(status, today))
    query = query.strip()
    if query:
        normalized = codes.normalize(query)
        households = households.filter(
            Q(code=normalized)
            | Q(last_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(label__icontains=query)
        )
    return households.annotate(spent_month=Coalesce(Subquery(spent), Value(0))).order_by(
        "label", "pk"
    )


def households_ending(store: Store, *, today: date, days: int) -> QuerySet[Household]:
    """Households whose rights in force end within `days` days, soonest first."""
    return (
        Household.objects.filter(store=store, anonymised_at__isnull=True)
        .filter(status_q("ending", today, days))
        .order_by("rights_end", "label")
    )


def household_file(store: Store, pk: int) -> Household:
    """A household of the shop with what its page shows (404 otherwise)."""
    return get_object_or_404(
        Household.objects.select_related("privacy_accepted_by"),
        pk=pk,
        store=store,
        anonymised_at__isnull=True,
    )


def household_spending_history(household: Household, limit: int = 12) -> list[MonthlySpending]:
    return list(MonthlySpending.objects.filter(household=household).order_by("-month")[:limit])


EXPORT_FIELDS = (
    "code",
    "label",
    *Household.PERSONAL_FIELDS,
    *Household.FILE_FIELDS,
    "monthly_budget_cents",
    "privacy_accepted_at",
    "card_issued_at",
    "created_at",
    "updated_at",
)
"""The household's fields in the access-request export (its personal fields all in)."""


def household_import_copies(household: Household) -> list[dict[str, Any]]:
    """The rows of the shop's household imports that name this household (same surname and
    first name), as the imports still hold them."""
    # The importer's module imports the services, which import this module.
    from cabas.gestion.beneficiaries.imports import HouseholdImporter

    surname = " ".join(household.last_name.split()).casefold()
    first_name = household.first_name.strip().casefold()
    copies = []
    pending = PendingImport.objects.filter(store_id=household.store_id, kind=HouseholdImporter.name)
    for found in pending.order_by("created_at", "pk"):
        for number, row in enumerate(found.rows or [], 1):
            if not isinstance(row, dict):
                continue
            if (
                " ".join(str(row.get("nom", "")).split()).casefold() == surname
                and str(row.get("prenom", "")).strip().casefold() == first_name
            ):
                copies.append(
                    {
                        "file": found.filename,
                        "status": found.status,
                        "uploaded_at": plain(found.created_at),
                        "row": number,
                        "cells": row,
                    }
                )
    return copies


def household_export(household: Household) -> dict[str, Any]:
    """Everything the shop holds about a household, for a right-of-access request: its file,
    members, rights, spending, the registered parts (tickets with their lines and anomalies,
    see :mod:`cabas.gestion.beneficiaries.parts`), retired card codes, the copies of it in
    household imports, and who opened the file."""
    return {
        "store": household.store.name,
        "household": {field: plain(getattr(household, field)) for field in EXPORT_FIELDS},
        "members": [
            {field: plain(getattr(m, field)) for field in HouseholdMember.PERSONAL_FIELDS}
            for m in household.members.all()
        ],
        "funder_answers": funder_answers_export(household),
        "rights_periods": [
            {
                "start": plain(p.start),
                "end": plain(p.end),
                "suspended_at": plain(p.suspended_at),
                "resumed_at": plain(p.resumed_at),
                "suspension_reason": p.suspension_reason,
            }
            for p in household.periods.all()
        ],
        "monthly_spending": [
            {"month": s.month, "spent_cents": s.spent_cents}
            for s in household.spendings.order_by("month")
        ],
        # Tickets, anomalies: the parts the apps above beneficiaries keep.
        **{
            key: value
            for part in household_parts()
            for key, value in part.export(household).items()
        },
        "retired_card_codes": [
            {"code": r.code, "retired_at": plain(r.retired_at)}
            for r in RetiredCode.objects.filter(household=household).order_by("retired_at", "pk")
        ],
        "import_copies": household_import_copies(household),
        "file_accesses": [
            {"at": plain(a.at), "by": str(a.user), "action": a.action}
            for a in household.accesses.select_related("user")
        ],
    }


def programme_codes(store: Store) -> list[str]:
    """The aid programmes the shop knows (its products' codes, and those of the registered
    sources: its programme donors), for a ceiling row each."""
    codes = set(
        Product.objects.filter(store=store)
        .exclude(programme="")
        .values_list("programme", flat=True)
    )
    for source in programme_sources():
        codes |= source(store)
    return sorted(codes)


def households_to_anonymise(store: Store, today: date) -> QuerySet[Household]:
    """Households whose rights ended more than the shop's delay ago (or that never had rights
    and were registered that long ago)."""
    delay = beneficiary_settings(store).anonymisation_months
    limit = add_months(today, -delay)
    never_admitted = Q(rights_end__isnull=True, created_at__date__lt=limit)
    return Household.objects.filter(store=store, anonymised_at__isnull=True).filter(
        Q(rights_end__lt=limit) | never_admitted
    )
