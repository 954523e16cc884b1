"""Card codes and ages in the beneficiaries' pages (amounts and rates: ``{% load cabas %}``;
the journal: ``cabas.gestion.audit.describe``)."""

from __future__ import annotations

from django import template

from cabas.gestion.beneficiaries import codes
from cabas.gestion.core.templatetags.words import month_name

register = template.Library()


register.filter("month_name", month_name)  # the shared one (cabas.gestion.core)


@register.filter
def card_code(code: str) -> str:
    return codes.display(code)


@register.filter
def member_age(member: object, today: object) -> int | None:
    age: int | None = member.age_on(today)  # type: ignore[attr-defined]
    return age
