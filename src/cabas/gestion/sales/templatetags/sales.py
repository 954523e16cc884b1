"""Display of amounts, quantities and receipt numbers in the sales pages (the rules' and the
protocol's own formats)."""

from __future__ import annotations

from uuid import UUID

from django import template

from cabas.protocol import receipt_number as protocol_receipt_number
from cabas.rules.money import format_euros
from cabas.rules.quantities import format_quantity

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    return "—" if cents is None else format_euros(int(cents))


@register.filter
def qty(quantity: int, unit: str) -> str:
    return format_quantity(int(quantity), unit)


@register.filter
def receipt_number(ticket_id: UUID | str) -> str:
    """The number the till printed on the ticket's receipt."""
    return protocol_receipt_number(ticket_id)


@register.filter
def method_label(method: str) -> str:
    from cabas.gestion.sales.models import TicketPayment

    try:
        return str(TicketPayment.Method(method).label)
    except ValueError:
        return method
