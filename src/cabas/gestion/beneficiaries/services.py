"""Writes about households: creation and changes, rights, budgets, spending, cards, privacy.

Every change of rights, budget, rate or card is audited inside its transaction. Audit entries
about a household carry the names of the personal fields that changed, never their values,
so that the audit trail holds no personal data once the household is anonymised.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.audit.services import audit_record, diff_fields, snapshot_fields
from cabas.gestion.beneficiaries import codes
from cabas.gestion.beneficiaries.models import (
    BeneficiarySettings,
    FunderAnswers,
    Household,
    HouseholdAccessLog,
    HouseholdMember,
    MonthlySpending,
    Quota,
    RetiredCode,
    RightsPeriod,
)
from cabas.gestion.beneficiaries.selectors import beneficiary_settings
from cabas.gestion.sales.models import Anomaly
from cabas.gestion.sales.services import anomalies_scrub_names
from cabas.gestion.stores.models import Store
from cabas.rules.budget import BudgetScale, parse_month
from cabas.rules.pricing import Tariff

PERSONAL_FIELDS = Household.PERSONAL_FIELDS
"""Fields whose values never go into the audit trail (only the fact that they changed)."""
AUDITED_VALUE_FIELDS = ("adults", "children", "monthly_budget_cents", "rate_bp")
HOUSEHOLD_FIELDS = PERSONAL_FIELDS + AUDITED_VALUE_FIELDS
LABEL_LENGTH = 40


def _store_today(store: Store) -> date:
    return timezone.localdate(timezone=ZoneInfo(store.timezone))


def household_label(last_name: str, first_name: str = "") -> str:
    """The short name the till shows: ``"DUPONT M."``, never more than the surname and an
    initial."""
    surname = " ".join(last_name.split()).upper()
    initial = first_name.strip()[:1].upper()
    suffix = f" {initial}." if initial else ""
    return surname[: LABEL_LENGTH - len(suffix)] + suffix


def _new_code(store: Store) -> str:
    # Random codes practically never collide; checking the shop's current and retired codes
    # makes sure an old card can never open another household.
    while True:
        code = codes.generate()
        if not (
            Household.objects.filter(store=store, code=code).exists()
            or RetiredCode.objects.filter(store=store, code=code).exists()
        ):
            return code


def _audit_changes(changes: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        field: (["…", "…"] if field in PERSONAL_FIELDS else change)
        for field, change in changes.items()
    }


def _members_counts(members: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    adults = children = 0
    for member in members:
        if member.get("is_adult", True):
            adults += 1
        else:
            children += 1
    return adults, children


@transaction.atomic
def household_create(
    *,
    store: Store,
    actor: User | None,
    data: Mapping[str, Any],
    members: Iterable[Mapping[str, Any]] = (),
) -> Household:
    """Register a household; its budget defaults to the shop's scale for its size."""
    unknown = sorted(set(data) - set(HOUSEHOLD_FIELDS))
    if unknown:
        raise ValueError(f"Unknown household fields: {unknown}")
    members = list(members)
    household = Household(store=store, **data)
    if members:
        household.adults, household.children = _members_counts(members)
    if household.monthly_budget_cents is None:
        scale = beneficiary_settings(store).scale
        household.monthly_budget_cents = scale.proposed_budget_cents(
            max(household.adults, 1), household.children
        )
    household.label = household_label(household.last_name, household.first_name)
    household.code = _new_code(store)
    household.card_issued_at = timezone.now()
    household.full_clean()
    _check_composition(household)
    check_birth_date(household.birth_date, _store_today(store))
    household.save()
    _members_replace(household, members)
    audit_record(
        store=store,
        actor=actor,
        action="household.created",
        target=household,
        changes={
            "monthly_budget_cents": [None, household.monthly_budget_cents],
            "rate_bp": [None, household.rate_bp],
        },
    )
    return household


def _check_composition(household: Household) -> None:
    if household.adults < 1:
        raise ValidationError({"adults": _("Un foyer compte au moins un adulte.")})


def _members_replace(household: Household, members: list[Mapping[str, Any]]) -> None:
    HouseholdMember.objects.filter(household=household).delete()
    rows = []
    today = _store_today(household.store)
    for member in members:
        check_birth_date(member.get("birth_date"), today)
        row = HouseholdMember(
            store_id=household.store_id,
            household=household,
            first_name=member.get("first_name", ""),
            birth_date=member.get("birth_date"),
            is_adult=member.get("is_adult", True),
        )
        row.full_clean(exclude=["household", "store"])
        rows.append(row)
    HouseholdMember.objects.bulk_create(rows)


@transaction.atomic
def household_update(
    *, household: Household, actor: User | None, data: Mapping[str, Any], reason: str = ""
) -> Household:
    """Change a household's file. A change of budget or rate is audited with its values."""
    unknown = sorted(set(data) - set(HOUSEHOLD_FIELDS))
    if unknown:
        raise ValueError(f"Unknown household fields: {unknown}")
    before = snapshot_fields(household, HOUSEHOLD_FIELDS)
    for field, value in data.items():
        setattr(household, field, value)
    household.label = household_label(household.last_name, household.first_name)
    household.full_clean()
    _check_composition(household)
    check_birth_date(household.birth_date, _store_today(household.store))
    changes = diff_fields(household, before, HOUSEHOLD_FIELDS)
    if not changes:
        return household
    household.save()
    audit_record(
        store=household.store,
        actor=actor,
        action="household.updated",
        target=household,
        changes=_audit_changes(changes),
        reason=reason,
    )
    return household


@transaction.atomic
def household_members_set(
    *, household: Household, actor: User | None, members: Iterable[Mapping[str, Any]]
) -> Household:
    """Replace the members' details; the counts follow them."""
    members = list(members)
    before = snapshot_fields(household, ("adults", "children"))
    if members:
        household.adults, household.children = _members_counts(members)
        _check_composition(household)
    _members_replace(household, members)
    household.save(update_fields=["adults", "children", "updated_at"])
    audit_record(
        store=household.store,
        actor=actor,
        action="household.members_changed",
        target=household,
        changes=diff_fields(household, before, ("adults", "children")),
    )
    return household


@transaction.atomic
def household_set_budget(
    *, household: Household, actor: User | None, monthly_budget_cents: int, reason: str = ""
) -> Household:
    """Adjust the household's monthly budget (audited)."""
    if monthly_budget_cents < 0:
        raise ValidationError({"monthly_budget_cents": _("Le budget ne peut pas être négatif.")})
    before = household.monthly_budget_cents
    if before == monthly_budget_cents:
        return household
    household.monthly_budget_cents = monthly_budget_cents
    household.save(update_fields=["monthly_budget_cents", "updated_at"])
    audit_record(
        store=household.store,
        actor=actor,
        action="household.budget_changed",
        target=household,
        changes={"monthly_budget_cents": [before, monthly_budget_cents]},
        reason=reason,
    )
    return household


_SPENDING_UPSERTS: dict[str, str] = {}


def _upsert_returns(connection: Any) -> bool:
    """Whether the upsert gives the new total back: PostgreSQL, and SQLite from 3.35 (MariaDB's
    ``RETURNING`` does not follow ``ON DUPLICATE KEY UPDATE``)."""
    return connection.vendor != "mysql" and connection.features.can_return_columns_from_insert


def _spending_upsert_sql(connection: Any) -> str | None:
    """The upsert of one month's spending for this database, built once (None: no upsert)."""
    sql = _SPENDING_UPSERTS.get(connection.vendor)
    if sql is not None or connection.vendor not in ("mysql", "postgresql", "sqlite"):
        return sql
    quote = connection.ops.quote_name
    table = quote(MonthlySpending._meta.db_table)
    spent, updated = quote("spent_cents"), quote("updated_at")
    columns = ", ".join(
        quote(name) for name in ("store_id", "household_id", "month", "spent_cents", "updated_at")
    )
    insert = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s) "  # noqa: S608
    if connection.vendor == "mysql":
        sql = insert + (
            f"ON DUPLICATE KEY UPDATE {spent} = {spent} + VALUES({spent}), "
            f"{updated} = VALUES({updated})"
        )
    else:
        sql = insert + (
            f"ON CONFLICT ({quote('household_id')}, {quote('month')}) DO UPDATE SET "
            f"{spent} = {table}.{spent} + excluded.{spent}, {updated} = excluded.{updated}"
        )
        if _upsert_returns(connection):
            # The month's new total comes back with the upsert, no read after it.
            sql += f" RETURNING {spent}"
    _SPENDING_UPSERTS[connection.vendor] = sql
    return sql


def spendings_lock(*, store: Store, keys: Iterable[tuple[int, str]], cursor: Any) -> None:
    """Lock, in the caller's transaction, the monthly spendings ``(household id, month)`` a
    batch of till tickets will raise, creating at 0 those that do not exist yet, in one
    statement that takes them in (household, month) order.

    Why: two batches adding to the same households in opposite orders would each hold a row
    (or a new row's key) the other waits for, a deadlock; taken up front in one global order,
    the second batch waits for the first one's commit instead. A no-op where the database has
    no row locks (SQLite: one write lock for the whole transaction)."""
    ordered = sorted(set(keys))
    if not ordered:
        return
    connection = connections[router.db_for_write(MonthlySpending)]
    if connection.vendor not in ("mysql", "postgresql") or connection.alias != "default":
        return
    for _household_id, month in ordered:
        parse_month(month)
    quote = connection.ops.quote_name
    table = quote(MonthlySpending._meta.db_table)
    spent = quote("spent_cents")
    columns = ", ".join(
        quote(name) for name in ("store_id", "household_id", "month", "spent_cents", "updated_at")
    )
    rows = ", ".join(["(%s, %s, %s, 0, %s)"] * len(ordered))
    # A no-op update of an existing row still locks it, in the order of the VALUES.
    if connection.vendor == "mysql":
        tail = f"ON DUPLICATE KEY UPDATE {spent} = {spent}"
    else:
        tail = (
            f"ON CONFLICT ({quote('household_id')}, {quote('month')}) DO UPDATE SET "
            f"{spent} = {table}.{spent}"
        )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params: list[Any] = []
    for household_id, month in ordered:
        params.extend((store.pk, household_id, month, now))
    cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {rows} {tail}", params)  # noqa: S608


def spending_add(
    *, store: Store, household: Household, month: str, amount_cents: int, cursor: Any = None
) -> int | None:
    """Add `amount_cents` (negative for a refund) to the household's spending of `month`.

    One statement, an upsert that adds in the database: concurrent tickets of the same household
    never lose an increase, and no lock is held beyond the statement. It joins the caller's
    transaction (the ticket intake's, which may pass its own `cursor` of the default
    database), so it needs no atomic block of its own.

    Returns the month's new total where the upsert gives it back in the same statement
    (PostgreSQL and SQLite), else None: the caller reads it if it needs it.
    """
    parse_month(month)
    if household.store_id != store.pk:
        raise ValueError("The household belongs to another shop.")
    if amount_cents == 0:
        return None
    connection = connections[router.db_for_write(MonthlySpending)]
    sql = _spending_upsert_sql(connection)
    if sql is None:  # pragma: no cover - other databases: an atomic add on the row
        with transaction.atomic(using=connection.alias):
            row, created = MonthlySpending.objects.get_or_create(
                store=store,
                household=household,
                month=month,
                defaults={"spent_cents": amount_cents},
            )
            if not created:
                MonthlySpending.objects.filter(pk=row.pk).update(
                    spent_cents=F("spent_cents") + amount_cents, updated_at=timezone.now()
                )
        return None
    params: list[Any] = [
        store.pk,
        household.pk,
        month,
        amount_cents,
        connection.ops.adapt_datetimefield_value(timezone.now()),
    ]
    returning = _upsert_returns(connection)
    if cursor is not None and connection.alias == "default":
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0]) if returning else None
    with connection.cursor() as own:
        own.execute(sql, params)
        return int(own.fetchone()[0]) if returning else None


@transaction.atomic
def spending_correct(
    *, household: Household, month: str, delta_cents: int, reason: str, actor: User | None
) -> int:
    """A manual correction of a month's spending (a reason is required; audited).

    Returns the month's spending after the correction.
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de la correction.")})
    try:
        parse_month(month)
    except ValueError as error:
        raise ValidationError({"month": str(error)}) from error
    if delta_cents == 0:
        raise ValidationError({"delta_cents": _("La correction ne peut pas être nulle.")})
    spending_add(store=household.store, household=household, month=month, amount_cents=delta_cents)
    after = MonthlySpending.objects.get(household=household, month=month).spent_cents
    audit_record(
        store=household.store,
        actor=actor,
        action="household.spending_corrected",
        target=household,
        changes={"month": [None, month], "spent_cents": [after - delta_cents, after]},
        reason=reason.strip(),
    )
    return after


# Rights ---------------------------------------------------------------------------------------

# The one rule on how long rights last, read by the forms, the import and the services.
MIN_PERIOD_MONTHS = 1
MAX_PERIOD_MONTHS = 12
DEFAULT_PERIOD_MONTHS = 3
# How far from today a person may date the start of rights: a correction of last year's
# file, or an admission planned ahead; 1990 is a typo.
RIGHTS_START_PAST_MONTHS = 12
RIGHTS_START_AHEAD_MONTHS = 6


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end_for(start: date, months: int) -> date:
    """The last day of a period of `months` months starting on `start` (3 months from 1 March
    end on 31 May)."""
    return add_months(start, months) - timedelta(days=1)


def _refresh_rights(household: Household) -> None:
    """Copy onto the household the span of rights its latest periods cover without a gap."""
    periods = sorted(household.periods.all(), key=lambda p: (p.start, p.pk))
    if not periods:
        household.rights_start = household.rights_end = None
        household.rights_suspended = False
    else:
        chain = [periods[-1]]
        for period in reversed(periods[:-1]):
            if period.end >= chain[-1].start - timedelta(days=1):
                chain.append(period)
            else:
                break
        household.rights_start = min(p.start for p in chain)
        household.rights_end = max(p.end for p in chain)
        household.rights_suspended = any(p.is_suspended for p in chain)
    household.save(update_fields=["rights_start", "rights_end", "rights_suspended", "updated_at"])


def check_birth_date(day: date | None, today: date) -> None:
    if day is not None and day > today:
        raise ValidationError(
            {"birth_date": _("La date de naissance ne peut pas être dans le futur.")}
        )


def check_rights_start(start: date, today: date) -> None:
    """Refuse a start of rights far from today (see RIGHTS_START_*_MONTHS)."""
    earliest = add_months(today, -RIGHTS_START_PAST_MONTHS)
    latest = add_months(today, RIGHTS_START_AHEAD_MONTHS)
    if not earliest <= start <= latest:
        raise ValidationError(
            {
                "start": _("Les droits commencent entre le %(a)s et le %(b)s.")
                % {"a": f"{earliest:%d/%m/%Y}", "b": f"{latest:%d/%m/%Y}"}
            }
        )


def check_period_months(months: int) -> None:
    if not MIN_PERIOD_MONTHS <= months <= MAX_PERIOD_MONTHS:
        raise ValidationError(
            {
                "months": _("Une période de droits dure de %(a)d à %(b)d mois.")
                % {"a": MIN_PERIOD_MONTHS, "b": MAX_PERIOD_MONTHS}
            }
        )


def _check_period(household: Household, start: date, end: date) -> None:
    if end < start:
        raise ValidationError({"end": _("La fin des droits ne peut pas précéder leur début.")})
    if end > add_months(start, MAX_PERIOD_MONTHS):
        raise ValidationError(
            {"end": _("Une période de droits dure au plus %(n)d mois.") % {"n": MAX_PERIOD_MONTHS}}
        )
    if household.periods.filter(start__lte=end, end__gte=start).exists():
        raise ValidationError(_("Cette période chevauche une période de droits déjà enregistrée."))
    if household.anonymised_at is not None:
        raise ValidationError(_("Ce foyer a été anonymisé."))


@transaction.atomic
def rights_admit(
    *, household: Household, actor: User | None, start: date, end: date
) -> RightsPeriod:
    """Open rights from `start` to `end` (both included). A start a person types is checked by
    :func:`check_rights_start` (the forms and the import); the history a purge or a migration
    writes may be older."""
    # Lock the household: two admissions at once must not both pass the overlap check.
    Household.objects.select_for_update().filter(pk=household.pk).first()
    return _period_add(household, actor, start, end, action="household.rights_admitted")


def _period_add(
    household: Household, actor: User | None, start: date, end: date, *, action: str
) -> RightsPeriod:
    """A new period of rights, checked against the others; the household row is locked."""
    _check_period(household, start, end)
    period = RightsPeriod.objects.create(
        store_id=household.store_id, household=household, start=start, end=end, created_by=actor
    )
    _refresh_rights(household)
    audit_record(
        store=household.store,
        actor=actor,
        action=action,
        target=household,
        changes={"rights": [None, f"{start.isoformat()} → {end.isoformat()}"]},
    )
    return period


@transaction.atomic
def rights_renew(
    *, household: Household, actor: User | None, months: int, today: date
) -> RightsPeriod:
    """Renew for `months` months: from the day after the current rights end, or from `today`
    when they are already over."""
    check_period_months(months)
    Household.objects.select_for_update().filter(pk=household.pk).first()
    household.refresh_from_db()
    if household.rights_suspended:
        raise ValidationError(_("Les droits sont suspendus : reprenez-les avant de renouveler."))
    if household.rights_end is None or household.rights_end < today:
        start = today
    else:
        start = household.rights_end + timedelta(days=1)
    end = period_end_for(start, months)
    return _period_add(household, actor, start, end, action="household.rights_renewed")


@transaction.atomic
def rights_suspend(
    *, household: Household, actor: User | None, reason: str, today: date
) -> Household:
    """Suspend the rights in force and those already granted after them, from `today`."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de la suspension.")})
    periods = household.periods.filter(end__gte=today)
    if household.status_on(today) not in ("active", "upcoming") or not periods.exists():
        raise ValidationError(_("Ce foyer n'a pas de droits en cours à suspendre."))
    periods.update(suspended_at=today, resumed_at=None, suspension_reason=reason.strip())
    _refresh_rights(household)
    audit_record(
        store=household.store,
        actor=actor,
        action="household.rights_suspended",
        target=household,
        changes={"rights_suspended": [False, True]},
        reason=reason.strip(),
    )
    return household


@transaction.atomic
def rights_resume(*, household: Household, actor: User | None, today: date) -> Household:
    """Lift the suspension from `today`."""
    if not household.rights_suspended:
        raise ValidationError(_("Les droits de ce foyer ne sont pas suspendus."))
    household.periods.filter(suspended_at__isnull=False, resumed_at__isnull=True).update(
        resumed_at=today
    )
    _refresh_rights(household)
    audit_record(
        store=household.store,
        actor=actor,
        action="household.rights_resumed",
        target=household,
        changes={"rights_suspended": [True, False]},
    )
    return household


# Cards ----------------------------------------------------------------------------------------


@transaction.atomic
def household_card_reissue(*, household: Household, actor: User | None, reason: str = "") -> str:
    """Give the household a new card code; the old card stops working at once (the till
    forgets the old code at its next sync)."""
    # Lock the row: two re-issues at once must not both retire the same code.
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.anonymised_at is not None:
        raise ValidationError(_("Ce foyer a été anonymisé."))
    old = household.code
    RetiredCode.objects.create(store_id=household.store_id, household=household, code=old)
    household.code = _new_code(household.store)
    household.card_issued_at = timezone.now()
    household.save(update_fields=["code", "card_issued_at", "updated_at"])
    audit_record(
        store=household.store,
        actor=actor,
        action="household.card_reissued",
        target=household,
        changes={"code": [old, household.code]},
        reason=reason,
    )
    return household.code


# Settings, tariffs, quotas -------------------------------------------------------------------

SETTINGS_FIELDS = (
    "budget_scale",
    "shop_rate_bp",
    "origin_ceilings_bp",
    "reste_a_vivre_threshold_cents",
    "anonymisation_months",
    "privacy_notice",
)


@transaction.atomic
def beneficiary_settings_update(
    *, store: Store, actor: User | None, data: Mapping[str, Any]
) -> BeneficiarySettings:
    """Change the shop's scale, rates, ceilings, thresholds or notice (audited)."""
    found = beneficiary_settings(store)
    before = snapshot_fields(found, SETTINGS_FIELDS)
    for field, value in data.items():
        if field not in SETTINGS_FIELDS:
            raise ValueError(f"Unknown settings field: {field}")
        setattr(found, field, value)
    try:
        BudgetScale.from_dict(found.budget_scale)
        Tariff(shop_rate_bp=found.shop_rate_bp, origin_ceilings_bp=found.origin_ceilings_bp)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    if found.anonymisation_months < 1:
        raise ValidationError({"anonymisation_months": _("Au moins un mois.")})
    found.full_clean()
    changes = diff_fields(found, before, SETTINGS_FIELDS)
    if changes:
        found.save()
        audit_record(
            store=store,
            actor=actor,
            action="beneficiaries.settings_changed",
            target=found,
            changes=changes,
        )
    return found


@transaction.atomic
def quota_save(
    *, store: Store, actor: User | None, data: Mapping[str, Any], quota: Quota | None = None
) -> Quota:
    """Create or change a quota (exactly one of product or category)."""
    is_new = quota is None
    quota = quota or Quota(store=store)
    for field in (
        "product",
        "category",
        "label",
        "unit",
        "base_quantity",
        "per_extra_person",
        "limits_by_size",
        "active",
    ):
        if field in data:
            setattr(quota, field, data[field])
    if (quota.product_id is None) == (quota.category_id is None):
        raise ValidationError(_("Un quota porte soit sur un produit, soit sur un rayon."))
    for target in (quota.product, quota.category):
        if target is not None and target.store_id != store.pk:
            raise ValidationError(_("Ce produit ou ce rayon n'est pas de cette épicerie."))
    if quota.product is not None and not data.get("unit"):
        quota.unit = quota.product.unit
    try:
        quota.as_rule()
    except (ValueError, TypeError) as error:
        raise ValidationError(str(error)) from error
    quota.full_clean()
    quota.save()
    audit_record(
        store=store,
        actor=actor,
        action="quota.created" if is_new else "quota.changed",
        target=quota,
        changes={
            "base_quantity": [None, quota.base_quantity],
            "per_extra_person": [None, quota.per_extra_person],
        },
    )
    return quota


@transaction.atomic
def quota_delete(*, quota: Quota, actor: User | None) -> None:
    audit_record(store=quota.store, actor=actor, action="quota.deleted", target=quota)
    quota.delete()


# Privacy --------------------------------------------------------------------------------------


@transaction.atomic
def household_privacy_accept(*, household: Household, actor: User) -> Household:
    """Record that the household was given the information notice and accepted it."""
    household.privacy_accepted_at = timezone.now()
    household.privacy_accepted_by = actor
    household.save(update_fields=["privacy_accepted_at", "privacy_accepted_by", "updated_at"])
    audit_record(
        store=household.store, actor=actor, action="household.privacy_accepted", target=household
    )
    return household


def household_access_log(*, household: Household, user: User, action: str = "view") -> None:
    """Trace that `user` opened (or exported) the household's full file."""
    HouseholdAccessLog.objects.create(
        store_id=household.store_id, household=household, user=user, action=action
    )


ANONYMOUS_LABEL = "FOYER ANONYMISÉ"


@transaction.atomic
def household_anonymise(
    *, household: Household, when: datetime | None = None, actor: User | None = None
) -> bool:
    """Erase what identifies the household; keep what statistics need (composition counts,
    commune, rights dates, monthly spending totals). Returns False if it already was."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.anonymised_at is not None:
        return False
    when = when or timezone.now()
    names = (household.label, household.last_name, household.first_name)
    RetiredCode.objects.get_or_create(
        store_id=household.store_id, code=household.code, defaults={"household": household}
    )
    # A code out of the card alphabet: it can never be scanned or generated again.
    household.code = f"ANON{household.pk}"
    household.label = ANONYMOUS_LABEL
    for field in Household.anonymised_fields():
        nullable = getattr(Household._meta.get_field(field), "null", False)
        setattr(household, field, None if nullable else "")
    household.privacy_accepted_by = None
    household.anonymised_at = when
    household.save()
    HouseholdMember.objects.filter(household=household).delete()
    FunderAnswers.objects.filter(household=household).delete()  # sensitive answers too
    HouseholdAccessLog.objects.filter(household=household).delete()
    RightsPeriod.objects.filter(household=household).update(suspension_reason="", created_by=None)
    # Anomalies written before the pages showed the name at display time carry it in their
    # text, and a reviewer's note may name the household.
    anomalies_scrub_names(
        anomalies=Anomaly.objects.filter(store_id=household.store_id, ticket__household=household),
        names=names,
    )
    # The audit trail keeps what happened, not who it happened to.
    AuditEvent.objects.filter(
        target_type=household._meta.label_lower, target_id=str(household.pk)
    ).update(target_repr=ANONYMOUS_LABEL, reason="")
    audit_record(
        store=household.store, actor=actor, action="household.anonymised", target=household
    )
    return True


def households_to_anonymise(store: Store, today: date) -> QuerySet[Household]:
    """Households whose rights ended more than the shop's delay ago (or that never had rights
    and were registered that long ago)."""
    delay = beneficiary_settings(store).anonymisation_months
    limit = add_months(today, -delay)
    never_admitted = Q(rights_end__isnull=True, created_at__date__lt=limit)
    return Household.objects.filter(store=store, anonymised_at__isnull=True).filter(
        Q(rights_end__lt=limit) | never_admitted
    )
