"""Display of amounts, rates and stock quantities in the catalogue pages."""

from __future__ import annotations

from django import template

from cabas.gestion.catalog.models import Product
from cabas.rules.money import format_euros
from cabas.rules.pricing import format_rate
from cabas.rules.quantities import format_quantity

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    return "—" if cents is None else format_euros(int(cents))


@register.filter
def rate(basis_points: int | None) -> str:
    return "—" if basis_points is None else format_rate(int(basis_points))


@register.filter
def stock_display(product: Product) -> str:
    """Pieces, or kilos for weighed goods (stock_qty is in grams for them)."""
    return format_quantity(product.stock_qty, product.unit)


@register.filter
def qty(value: int | None, product: Product) -> str:
    """``{{ product.min_stock|qty:product }}``: 5, or 5 kg (stored as 5000 grams)."""
    return format_quantity(value, product.unit)


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object:
    return mapping.get(key, 0)
