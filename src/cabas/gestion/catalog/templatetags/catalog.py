"""Display of amounts, rates and stock quantities in the catalogue pages."""

from __future__ import annotations

from django import template

from cabas.gestion.catalog.models import Product
from cabas.rules.money import format_euros
from cabas.rules.pricing import format_rate

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
    if product.unit == "kg":
        kilos = product.stock_qty / 1000
        return f"{kilos:.3f}".rstrip("0").rstrip(".").replace(".", ",") + "\u00a0kg"
    return str(product.stock_qty)


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object:
    return mapping.get(key, 0)
