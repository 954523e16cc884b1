"""Receipt numbers and payment methods in the sales pages (amounts and quantities:
``{% load cabas %}``)."""

from __future__ import annotations

from uuid import UUID

from django import template

from cabas.protocol import receipt_number as protocol_receipt_number

register = template.Library()


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
