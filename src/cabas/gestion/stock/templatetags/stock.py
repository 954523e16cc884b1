"""Display of stock quantities (pieces, or grams shown as kilos) and amounts."""

from __future__ import annotations

from django import template

from cabas.rules.money import format_euros
from cabas.rules.quantities import format_quantity
from cabas.rules.quantities import typed_quantity as _typed_quantity

register = template.Library()


@register.filter
def qty(quantity: int | None, unit: str) -> str:
    """``{{ line.counted|qty:product.unit }}``: 12, or 1,25 kg."""
    return format_quantity(quantity, unit)


@register.filter
def signed_qty(quantity: int | None, unit: str) -> str:
    """``{{ movement.quantity|signed_qty:product.unit }}``: +12, -3, -0,5 kg."""
    return format_quantity(quantity, unit, signed=True)


@register.filter
def cents(amount: int | None) -> str:
    return "—" if amount is None else format_euros(int(amount))


@register.filter
def typed_qty(quantity: int | None, unit: str) -> str:
    """The value of an input: ``1500`` grams → ``1,5`` (typed in kilos)."""
    return _typed_quantity(quantity, unit)
