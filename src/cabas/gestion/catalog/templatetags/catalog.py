"""Catalogue-only display helpers (amounts, rates and quantities: ``{% load cabas %}``)."""

from __future__ import annotations

from django import template

from cabas.gestion.catalog.models import Product
from cabas.rules.quantities import format_quantity

register = template.Library()


@register.filter
def stock_display(product: Product) -> str:
    """Pieces, or kilos for weighed goods (stock_qty is in grams for them)."""
    return format_quantity(product.stock_qty, product.unit)


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object:
    return mapping.get(key, 0)
