"""Display helpers of the purchasing pages."""

from __future__ import annotations

from django import template

from cabas.rules.money import format_euros
from cabas.rules.quantities import format_quantity

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    return "" if cents is None else format_euros(int(cents))


@register.filter
def qty(value: int | None, product: object = None) -> str:
    """A quantity in units, or in kilos for a weighed product (stored in grams)."""
    if value is None:
        return ""
    return format_quantity(int(value), "kg" if getattr(product, "is_weighed", False) else "")


_STATE_CLASSES = {
    "draft": "",
    "sent": "warn",
    "partly_received": "warn",
    "received": "ok",
    "cancelled": "bad",
}


@register.filter
def state_class(state: str) -> str:
    return _STATE_CLASSES.get(state, "")


@register.filter
def qty_fraction(value: object, product: object = None) -> str:
    """A rate such as sales per week, rounded, in kilos for a weighed product."""
    return qty(round(float(value)), product)  # type: ignore[arg-type]
