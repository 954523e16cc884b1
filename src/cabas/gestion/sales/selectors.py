"""Reads about sales: tickets, anomalies, quarantine, cash sessions, for the sales pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from cabas.gestion.pos.models import CashSession
from cabas.gestion.sales.models import Anomaly, QuarantinedPayload, Ticket
from cabas.gestion.stores.models import Store


@dataclass(frozen=True)
class TicketFilters:
    start: date | None = None
    end: date | None = None
    device_id: str | None = None
    cashier_id: int | None = None
    household_code: str = ""
    with_anomalies: bool = False


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def store_tickets(store: Store, filters: TicketFilters | None = None) -> QuerySet[Ticket]:
    """The shop's tickets, newest first, with what the list shows (till, cashier, household,
    number of anomalies) in one query."""
    filters = filters or TicketFilters()
    zone = ZoneInfo(store.timezone)
    tickets = Ticket.objects.filter(store=store)
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
        code = filters.household_code.strip().upper().replace(" ", "").replace("-", "")
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


def store_anomalies(store: Store, *, handled: bool = False) -> QuerySet[Anomaly]:
    return (
        Anomaly.objects.filter(store=store, handled_at__isnull=not handled)
        .select_related("ticket__device", "ticket__household", "handled_by")
        .order_by("-created_at", "-pk")
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
