"""French wording helpers shared by the pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def ago(moment: datetime | None) -> str:
    """«à l'instant» under a minute (never «il y a 0 minute»), else «il y a 3 heures»."""
    if moment is None:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return _("à l'instant")
    return _("il y a %(delay)s") % {"delay": timesince(moment, depth=1)}


@register.filter
def month_name(month: str) -> str:
    """A budget month ``"2026-12"`` as a person reads it: « décembre 2026 »."""
    try:
        year, number = (int(part) for part in str(month).split("-"))
        return date_format(date(year, number, 1), "F Y")
    except ValueError:
        return str(month)
