"""Display of stock quantities (pieces, or grams shown as kilos) and amounts."""

from __future__ import annotations

from django import template

from cabas.rules.money import format_euros

register = template.Library()


def format_quantity(quantity: int | None, unit: str, *, signed: bool = False) -> str:
    if quantity is None:
        return "—"
    sign = ("+" if quantity > 0 else "") if signed else ""
    if unit == "kg":
        kilos = f"{quantity / 1000:.3f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{sign}{kilos}\u00a0kg"
    return f"{sign}{quantity}"


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
