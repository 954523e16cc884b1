"""Display helpers of the purchasing pages (amounts and quantities: ``{% load cabas %}``)."""

from __future__ import annotations

from django import template

from cabas.gestion.core.templatetags.cabas import qty

register = template.Library()


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
