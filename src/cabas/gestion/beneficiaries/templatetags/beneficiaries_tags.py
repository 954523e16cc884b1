"""Display of amounts, rates and card codes in the beneficiaries' pages."""

from __future__ import annotations

from django import template

from cabas.gestion.beneficiaries import codes
from cabas.rules.money import format_euros
from cabas.rules.pricing import format_rate

register = template.Library()


@register.filter
def euros(cents: int | None) -> str:
    return "—" if cents is None or cents == "" else format_euros(int(cents))


@register.filter
def rate(rate_bp: int | None) -> str:
    return "—" if rate_bp is None or rate_bp == "" else format_rate(int(rate_bp))


@register.filter
def card_code(code: str) -> str:
    return codes.display(code)


@register.filter
def member_age(member: object, today: object) -> int | None:
    return member.age_on(today)  # type: ignore[attr-defined]
