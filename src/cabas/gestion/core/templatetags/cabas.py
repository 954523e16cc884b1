"""The one display of amounts, rates and quantities in every page: ``{% load cabas %}``.

Each filter shows « — » for an empty value (None, or "" from a missing variable), the rules'
own formats otherwise."""

from __future__ import annotations

from django import template

from cabas.rules.money import format_euros
from cabas.rules.pricing import format_rate
from cabas.rules.quantities import format_quantity, typed_quantity

register = template.Library()

EMPTY = "—"


def _unit(unit_or_product: object) -> str:
    """``qty:product.unit`` and ``qty:product`` alike: a unit, or anything with a ``unit``."""
    return str(getattr(unit_or_product, "unit", unit_or_product) or "")


def _empty(value: object) -> bool:
    return value is None or value == ""


@register.filter
def euros(cents: int | str | None) -> str:
    """``{{ ticket.total_cents|euros }}``: 12,50 €."""
    return EMPTY if _empty(cents) else format_euros(int(cents))  # type: ignore[arg-type]


@register.filter
def rate(basis_points: int | str | None) -> str:
    """``{{ category.rate_bp|rate }}``: 30 %."""
    return EMPTY if _empty(basis_points) else format_rate(int(basis_points))  # type: ignore[arg-type]


@register.filter
def qty(quantity: int | str | None, unit_or_product: object) -> str:
    """``{{ line.counted|qty:product }}`` (or ``:product.unit``): 12, or 1,25 kg (grams)."""
    if _empty(quantity):
        return EMPTY
    return format_quantity(int(quantity), _unit(unit_or_product))  # type: ignore[arg-type]


@register.filter
def signed_qty(quantity: int | str | None, unit_or_product: object) -> str:
    """``{{ movement.quantity|signed_qty:product }}``: +12, -3, -0,5 kg."""
    if _empty(quantity):
        return EMPTY
    return format_quantity(int(quantity), _unit(unit_or_product), signed=True)  # type: ignore[arg-type]


@register.filter
def typed_qty(quantity: int | str | None, unit_or_product: object) -> str:
    """The value of an input: ``1500`` grams → ``1,5`` (typed in kilos); "" when empty."""
    if _empty(quantity):
        return ""
    return typed_quantity(int(quantity), _unit(unit_or_product))  # type: ignore[arg-type]
