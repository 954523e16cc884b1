"""Monthly spending: the till tickets' upsert, the intake's locks, the manual corrections."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record
from cabas.gestion.beneficiaries.models import (
    Household,
    MonthlySpending,
)
from cabas.gestion.stores.models import Store
from cabas.rules.budget import parse_month

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
