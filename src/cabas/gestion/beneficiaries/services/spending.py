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
from cabas.gestion.beneficiaries.models import Household, MonthlySpending
from cabas.gestion.core.db import upsert_returns, upsert_sql
from cabas.gestion.stores.models import Store
from cabas.rules.budget import parse_month

_COLUMNS = ("store_id", "household_id", "month", "spent_cents", "updated_at")
_KEY = ("household_id", "month")


def _spending_upsert_sql(connection: Any) -> str | None:
    """The upsert adding to one month's spending on this database (None: no upsert), with the
    month's new total given back where the database can."""
    return upsert_sql(
        MonthlySpending,
        columns=_COLUMNS,
        conflict=_KEY,
        add=("spent_cents",),
        replace=("updated_at",),
        returning="spent_cents" if upsert_returns(connection) else None,
        db=connection,
    )


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
    # A no-op update of an existing row still locks it, in the order of the VALUES.
    sql = upsert_sql(
        MonthlySpending,
        columns=_COLUMNS,
        conflict=_KEY,
        keep=("spent_cents",),
        rows=len(ordered),
        db=connection,
    )
    assert sql is not None
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params: list[Any] = []
    for household_id, month in ordered:
        params.extend((store.pk, household_id, month, 0, now))
    cursor.execute(sql, params)


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
    returning = upsert_returns(connection)
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
