"""The accompaniment's part of a household for beneficiaries' privacy duties (see
:mod:`cabas.gestion.beneficiaries.parts`): its projects, reviews and their notes, workshops,
appointments and the openings of its notes in the access-request export; the notes and the
projects' words out at the anonymisation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from cabas.gestion.accompaniment.models import (
    Appointment,
    Project,
    ProjectReview,
    WorkshopAttendance,
)
from cabas.gestion.accompaniment.selectors import project_savings_cents
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.parts import (
    DocumentSection,
    HouseholdPart,
    household_part_register,
    plain,
    shown,
    shown_euros,
)

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


def household_accompaniment_document(household: Household) -> list[DocumentSection]:
    """The accompaniment in the « Vos données » PDF: the same as the export, for the household
    to read."""
    zone = household.store.zone
    data = household_accompaniment_export(household)
    projects = Project.objects.filter(store_id=household.store_id, household=household)
    reviews = [
        [shown(r.held_on), p.label, r.notes]
        for p in projects.order_by("start", "pk")
        for r in p.reviews.order_by("held_on", "pk")
    ]
    return [
        DocumentSection(
            title=_("Votre projet"),
            columns=[_("Projet"), _("Objectif"), _("Épargné"), _("Début"), _("Échéance")],
            rows=[
                [
                    p["label"],
                    shown_euros(p["goal_cents"]),
                    shown_euros(p["saved_cents"]),
                    shown(p["start"]),
                    shown(p["target_date"]),
                ]
                for p in data["projects"]
            ],
            empty=_("Aucun projet."),
        ),
        DocumentSection(
            title=_("Points d'étape de votre projet"),
            columns=[_("Date"), _("Projet"), _("Notes")],
            rows=reviews,
            empty=_("Aucun point d'étape."),
        ),
        DocumentSection(
            title=_("Ateliers suivis"),
            columns=[_("Atelier"), _("Date")],
            rows=[[w["title"], shown(w["held_on"])] for w in data["workshops_attended"]],
            empty=_("Aucun atelier."),
        ),
        DocumentSection(
            title=_("Vos rendez-vous"),
            columns=[_("Date"), _("Heure"), _("Objet"), _("Suite")],
            rows=[
                [
                    shown(a.slot.date),
                    f"{a.slot.start_time:%H:%M}–{a.slot.end_time:%H:%M}",
                    a.get_kind_display(),
                    a.get_status_display(),
                ]
                for a in Appointment.objects.filter(household=household)
                .select_related("slot")
                .order_by("slot__date", "slot__start_time", "pk")
            ],
            empty=_("Aucun rendez-vous."),
        ),
        DocumentSection(
            title=_("Qui a lu les notes de votre accompagnement"),
            columns=[_("Date"), _("Personne")],
            rows=[
                [shown(e.created_at, zone), str(e.actor or "")]
                for e in AuditEvent.objects.filter(
                    store_id=household.store_id,
                    action=NOTES_OPENED,
                    target_type=household._meta.label_lower,
                    target_id=str(household.pk),
                ).select_related("actor")
            ],
            empty=_("Personne."),
        ),
    ]


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
        document=household_accompaniment_document,
        erase=household_accompaniment_erase,
    )
)
