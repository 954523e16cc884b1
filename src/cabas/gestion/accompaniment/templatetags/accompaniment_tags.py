"""The accompaniment's part of the household's page: its project's progress, its next
appointment and its no-shows (no notes: those are on the accompaniment's own page)."""

from __future__ import annotations

from typing import Any

from django import template

from cabas.gestion.accompaniment import selectors
from cabas.gestion.accompaniment.models import AppointmentStatus

register = template.Library()


@register.inclusion_tag("accompaniment/_summary.html", takes_context=True)
def household_accompaniment(context: template.Context, household: Any) -> dict[str, Any]:
    today = household.store.today()
    project = selectors.household_active_project(household)
    coming = [
        a
        for a in selectors.household_appointments(household, limit=10)
        if a.status == AppointmentStatus.BOOKED and a.slot.date >= today
    ]
    return {
        "household": household,
        "progress": selectors.project_progress(project, today) if project else None,
        "next_appointment": coming[-1] if coming else None,
        "no_shows": selectors.household_no_shows(household),
        "request": context.get("request"),
    }
