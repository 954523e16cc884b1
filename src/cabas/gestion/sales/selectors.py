"""Reads about sales: tickets, anomalies, quarantine, cash sessions, for the sales pages."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.parts import plain
from cabas.gestion.pos.models import CashSession
from cabas.gestion.sales.models import Anomaly, QuarantinedPayload, Ticket, TicketLine
from cabas.gestion.stores.models import Store
from cabas.rules import categories
from cabas.rules.cards import normalize_card_code
from cabas.rules.quotas import Quota as QuotaRule
from cabas.rules.quotas import QuotaKey, QuotaLine


@dataclass(frozen=True)
class TicketFilters:
    start: date | None = None
    end: date | None = None
    device_id: str | None = None
    cashier_id: int | None = None
    household_code: str = ""
    with_anomalies: bool = False
    id_prefix: str = ""
    """Hex digits the ticket's id begins with: its receipt number
    (`cabas.protocol.receipt_number_digits`)."""


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _id_starts_with(digits: str) -> Q:
    """The tickets whose id begins with these hex digits. Where ids sort as their hex digits do
    (PostgreSQL's uuid, the char(32) of SQLite and MySQL), that is one range of the primary key;
    MariaDB's own UUID type sorts by the last group first, so there it is a text match."""
    if connection.vendor == "mysql" and connection.features.has_native_uuid_field:
        # Matched against the id's text, which has its dashes (8-4-4-4-12).
        cuts = [0, 8, 12, 16, 20, 32]
        dashed = "-".join(digits[a:b] for a, b in itertools.pairwise(cuts) if digits[a:b])
        return Q(pk__startswith=dashed)
    pad = 32 - len(digits)
    return Q(pk__gte=UUID(digits + "0" * pad), pk__lte=UUID(digits + "f" * pad))


def store_tickets(store: Store, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """The shop's tickets, newest first, with what the list shows (till, cashier, household,
    number of anomalies) in one query."""
    filters = filters or TicketFilters()
    zone = ZoneInfo(store.timezone)
    tickets = Ticket.objects.filter(store=store)
    if filters.id_prefix:
        tickets = tickets.filter(_id_starts_with(filters.id_prefix))
    if filters.start:
        tickets = tickets.filter(created_at__gte=_local_midnight(filters.start, zone))
    if filters.end:
        day_after = date.fromordinal(filters.end.toordinal() + 1)
        tickets = tickets.filter(created_at__lt=_local_midnight(day_after, zone))
    if filters.device_id:
        tickets = tickets.filter(device_id=filters.device_id)
    if filters.cashier_id:
        tickets = tickets.filter(cashier_id=filters.cashier_id)
    if filters.household_code:
        code = normalize_card_code(filters.household_code)
        tickets = tickets.filter(Q(household__code=code) | Q(beneficiary_code__iexact=code))
    if filters.with_anomalies:
        tickets = tickets.filter(Exists(Anomaly.objects.filter(ticket=OuterRef("pk"))))
    return (
        tickets.select_related("device", "cashier__user", "household")
        .annotate(anomaly_count=Count("anomalies"))
        .order_by("-created_at", "-pk")
    )


def ticket_detail(store: Store, ticket_id: UUID | str) -> Ticket:
    return (
        Ticket.objects.select_related("device", "cashier__user", "household")
        .prefetch_related("lines__product", "payments", "anomalies__handled_by")
        .get(store=store, pk=ticket_id)
    )


def store_anomalies(store: Store, *, handled: bool = False, kind: str = "") -> QuerySet[Anomaly]:
    anomalies = Anomaly.objects.filter(store=store, handled_at__isnull=not handled)
    if kind:
        anomalies = anomalies.filter(kind=kind)
    return anomalies.select_related("ticket__device", "ticket__household", "handled_by").order_by(
        "-created_at", "-pk"
    )


def anomaly_kind_counts(store: Store) -> list[tuple[str, str, int]]:
    """The kinds of anomaly still to review, with their labels and counts, largest first."""
    labels = dict(Anomaly.Kind.choices)
    counts = (
        Anomaly.objects.filter(store=store, handled_at__isnull=True)
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by("-n", "kind")
    )
    return [(row["kind"], str(labels.get(row["kind"], row["kind"])), row["n"]) for row in counts]


def pending_anomaly_ids(store: Store) -> list[int]:
    return list(
        Anomaly.objects.filter(store=store, handled_at__isnull=True).values_list("pk", flat=True)
    )


def store_quarantine(store: Store) -> QuerySet[QuarantinedPayload]:
    return QuarantinedPayload.objects.filter(store=store).select_related("device").defer("raw")


def store_cash_sessions(store: Store) -> QuerySet[CashSession]:
    return (
        CashSession.objects.filter(store=store)
        .select_related("device", "cashier__user", "closing_cashier__user")
        .order_by("-opened_at")
    )


def session_tickets(session: CashSession) -> QuerySet[Ticket]:
    return (
        Ticket.objects.filter(store_id=session.store_id, cash_session_id=session.pk)
        .select_related("household")
        .annotate(anomaly_count=Count("anomalies"))
        .order_by("created_at")
    )


def quota_usage(
    store: Store,
    month: str,
    quotas: Sequence[QuotaRule],
    category_parents: Mapping[int, int | None],
    household_ids: Iterable[int] | None = None,
) -> dict[int, dict[QuotaKey, int]]:
    """What each household bought in `month` under each of `quotas`, by household id then
    quota key, from its stored tickets (refund lines are negative, so refunds are deducted):
    one grouped query over the lines of the products some quota covers, none without quotas.
    The ticket intake (quota anomalies) and the snapshot (usage sent to the tills) both
    count with this."""
    household_ids = None if household_ids is None else list(household_ids)
    if not quotas or household_ids == []:
        return {}
    product_targets = {int(q.target_id) for q in quotas if q.scope == "product"}
    category_targets = {int(q.target_id) for q in quotas if q.scope == "category"}
    paths = {pk: categories.path(pk, category_parents) for pk in category_parents}
    covered = {pk for pk, path in paths.items() if category_targets.intersection(path)}
    lines = TicketLine.objects.filter(
        store=store, ticket__month=month, ticket__household__isnull=False
    ).filter(Q(product_id__in=product_targets) | Q(product__category_id__in=covered))
    if household_ids is not None:
        lines = lines.filter(ticket__household_id__in=household_ids)
    used: dict[int, dict[QuotaKey, int]] = {}
    for household_id, product_id, category_id, unit, total in (
        lines.values("ticket__household_id", "product_id", "product__category_id", "unit")
        .annotate(total=Sum("quantity"))
        .values_list("ticket__household_id", "product_id", "product__category_id", "unit", "total")
    ):
        line = QuotaLine(
            product_id=str(product_id),
            category_path=[str(c) for c in paths.get(category_id, [])],
            quantity=total,
            unit="kg" if unit == "kg" else "piece",
        )
        mine = used.setdefault(household_id, {})
        for quota in quotas:
            if line.counts_for(quota):
                mine[quota.key] = mine.get(quota.key, 0) + total
    return used


def household_sales_export(household: Household) -> dict[str, Any]:
    """Sales' part of a household's access-request export (registered in
    :mod:`cabas.gestion.sales.privacy`): its tickets with their lines and payments, and their
    anomalies."""
    tickets = (
        Ticket.objects.filter(store_id=household.store_id, household=household)
        .select_related("device")
        .prefetch_related("lines", "payments")
        .order_by("created_at", "pk")
    )
    anomalies = (
        Anomaly.objects.filter(store_id=household.store_id, ticket__household=household)
        .select_related("ticket")
        .order_by("created_at", "pk")
    )
    return {
        "tickets": [
            {
                "id": str(t.pk),
                "created_at": plain(t.created_at),
                "till": t.device.name,
                "card_code": t.beneficiary_code,
                "month": t.month,
                "refund_of": plain(t.refund_of),
                "total_cents": t.total_cents,
                "full_price_cents": t.full_price_cents,
                "change_cents": t.change_cents,
                "lines": [
                    {
                        "position": line.position,
                        "label": line.label,
                        "barcode": line.barcode,
                        "quantity": line.quantity,
                        "unit": line.unit,
                        "unit_price_cents": line.unit_price_cents,
                        "full_price_cents": line.full_price_cents,
                        "total_cents": line.total_cents,
                    }
                    for line in t.lines.all()
                ],
                "payments": [
                    {"method": p.method, "amount_cents": p.amount_cents} for p in t.payments.all()
                ],
            }
            for t in tickets
        ],
        "anomalies": [
            {
                "ticket": str(a.ticket_id),
                "kind": a.kind,
                "message": a.message,
                "details": a.details,
                "created_at": plain(a.created_at),
                "handled_at": plain(a.handled_at),
                "handled_note": a.handled_note,
            }
            for a in anomalies
        ],
    }
