"""The accompaniment's part of a household for beneficiaries' privacy duties (see
:mod:`cabas.gestion.beneficiaries.parts`): its projects, reviews and their notes, workshops,
appointments and the openings of its notes in the access-request export; the notes and the
projects' words out at the anonymisation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cabas.gestion.accompaniment.models import (
    Appointment,
    Project,
    ProjectReview,
    WorkshopAttendance,
)
from cabas.gestion.accompaniment.selectors import project_savings_cents
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.parts import HouseholdPart, household_part_register, plain

NOTES_OPENED = "accompaniment.notes_opened"


def household_accompaniment_export(household: Household) -> dict[str, Any]:
    projects = Project.objects.filter(store_id=household.store_id, household=household)
    return {
        "projects": [
            {
                "label": p.label,
                "goal_cents": p.goal_cents,
                "saved_cents": project_savings_cents(p),
                "start": plain(p.start),
                "target_date": plain(p.target_date),
                "contract_terms": p.contract_terms,
                "contract_signed_on": plain(p.contract_signed_on),
                "status": p.status,
                "closed_on": plain(p.closed_on),
                "reviews": [
                    {"held_on": plain(r.held_on), "notes": r.notes, "by": str(r.author or "")}
                    for r in p.reviews.select_related("author").order_by("held_on", "pk")
                ],
            }
            for p in projects.order_by("start", "pk")
        ],
        "workshops_attended": [
            {"title": a.workshop.title, "held_on": plain(a.workshop.held_on)}
            for a in WorkshopAttendance.objects.filter(household=household)
            .select_related("workshop")
            .order_by("workshop__held_on", "pk")
        ],
        "appointments": [
            {
                "date": plain(a.slot.date),
                "start": a.slot.start_time.strftime("%H:%M"),
                "end": a.slot.end_time.strftime("%H:%M"),
                "kind": a.kind,
                "status": a.status,
                "reminded_at": plain(a.reminded_at),
            }
            for a in Appointment.objects.filter(household=household)
            .select_related("slot")
            .order_by("slot__date", "slot__start_time", "pk")
        ],
        "accompaniment_notes_openings": [
            {"at": plain(e.created_at), "by": str(e.actor or "")}
            for e in AuditEvent.objects.filter(
                store_id=household.store_id,
                action=NOTES_OPENED,
                target_type=household._meta.label_lower,
                target_id=str(household.pk),
            )
            .select_related("actor")
            .order_by("created_at", "pk")
        ],
    }


def household_accompaniment_erase(household: Household, names: Sequence[str]) -> None:
    """Delete the reviews (their notes), blank the projects' label and terms; keep the amounts,
    dates, workshops and appointments (statistics, with no name left on them). The trail's
    entries about the household itself (notes opened, workshops) lose its name with the
    household's own (`household_anonymise`)."""
    projects = Project.objects.filter(household=household)
    ProjectReview.objects.filter(project__in=projects).delete()
    project_ids = [str(pk) for pk in projects.values_list("pk", flat=True)]
    projects.update(label="", contract_terms="")
    AuditEvent.objects.filter(
        target_type=Project._meta.label_lower, target_id__in=project_ids
    ).update(target_repr="", reason="")


household_part_register(
    HouseholdPart(
        name="accompaniment",
        export=household_accompaniment_export,
        erase=household_accompaniment_erase,
    )
)
