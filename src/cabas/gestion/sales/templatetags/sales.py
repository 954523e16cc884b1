"""Display of amounts and quantities in the sales pages (the rules' own French formats)."""

from __future__ import annotations

from django import template

from cabas.rules.money import format_euros
from cabas.rules.quotas import format_quantity

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    return "—" if cents is None else format_euros(int(cents))


@register.filter
def qty(quantity: int, unit: str) -> str:
    return format_quantity(int(quantity), unit)  # type: ignore[arg-type]


@register.filter
def method_label(method: str) -> str:
    from cabas.gestion.sales.models import TicketPayment

    try:
        return str(TicketPayment.Method(method).label)
    except ValueError:
        return method
