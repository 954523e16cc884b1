"""Reads the till API answers with: a ticket of the shop found by its receipt number."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from cabas.gestion.sales.models import Ticket as StoredTicket
from cabas.gestion.sales.selectors import TicketFilters, store_tickets
from cabas.gestion.stores.models import Store
from cabas.protocol import Ticket, TicketLookup


class AmbiguousTicketNumber(Exception):  # noqa: N818 - what the till is told
    """Several tickets of the shop begin with the digits typed."""


def till_ticket_lookup(store: Store, digits: str) -> TicketLookup | None:
    """A ticket of `store` whose id begins with `digits` (its receipt number, see
    `cabas.protocol.receipt_number_digits`) in the protocol's form, with the refunds of it
    the server holds; None when the shop has none (another shop's ticket is never found).
    Raises AmbiguousTicketNumber when several match."""
    found = list(
        store_tickets(store, TicketFilters(id_prefix=digits))
        .filter(refund_of__isnull=True)
        .values_list("pk", flat=True)[:2]
    )
    if not found:
        return None
    if len(found) > 1:
        raise AmbiguousTicketNumber(digits)
    tickets = (
        StoredTicket.objects.filter(store=store)
        .filter(Q(pk=found[0]) | Q(refund_of=found[0]))
        .prefetch_related("lines", "payments")
        .order_by("created_at", "pk")
    )
    original, refunds = None, []
    for stored in tickets:
        item = _as_protocol_ticket(stored)
        if stored.pk == found[0]:
            original = item
        else:
            refunds.append(item)
    assert original is not None
    return TicketLookup(ticket=original, refunds=refunds)


def _as_protocol_ticket(stored: Any) -> Ticket:
    return Ticket.model_validate(
        {
            "id": stored.pk,
            "created_at": stored.created_at,
            "cashier_id": stored.cashier_ref,
            "beneficiary_code": stored.beneficiary_code or None,
            "cash_session_id": stored.cash_session_id,
            "refund_of": stored.refund_of,
            "total_cents": stored.total_cents,
            "lines": [
                {
                    "product_id": line.product_ref,
                    "barcode": line.barcode or None,
                    "label": line.label,
                    "unit": line.unit,
                    "quantity": line.quantity,
                    "unit_price_cents": line.unit_price_cents,
                    "full_price_cents": line.full_price_cents,
                    "total_cents": line.total_cents,
                }
                for line in sorted(stored.lines.all(), key=lambda line: line.position)
            ],
            "payments": [
                {
                    "method": payment.method,
                    "amount_cents": payment.amount_cents,
                    "tendered_cents": payment.tendered_cents,
                }
                for payment in sorted(stored.payments.all(), key=lambda payment: payment.pk)
            ],
        }
    )
