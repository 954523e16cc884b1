"""Writes of the accompaniment: the household's project, its contract, reviews and workshops;
the shop's opening slots, the appointments booked in them and their reminders.

Each service is one transaction with its audit entry. The notes of a review are never copied
into the audit journal (only that a review was added), and reading them is journalled too
(:func:`project_notes_open`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cabas.gestion.accompaniment.models import (
    HOLDS_A_PLACE,
    TRANSITIONS,
    AccompanimentSettings,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Project,
    ProjectReview,
    ProjectStatus,
    Slot,
    SlotKind,
    SlotSeries,
    Workshop,
    WorkshopAttendance,
)
from cabas.gestion.accompaniment.selectors import (
    STALE_REMINDER_CLAIM,
    accompaniment_settings,
    reminders_due,
)
from cabas.gestion.accompaniment.sms import TextMessage, sms_backend
from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record, diff_fields, snapshot_fields
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.stores.models import Store

logger = logging.getLogger(__name__)

SETTINGS_FIELDS = ("project_at_till", "reminder_hours", "email_reminders", "sms_reminders")
PROJECT_FIELDS = ("label", "goal_cents", "start", "target_date", "contract_terms")
AUDITED_PROJECT_FIELDS = ("goal_cents", "start", "target_date")
"""The project's fields audited with their values (the label and terms only as changed)."""
MAX_GOAL_CENTS = 100_000_00
MAX_SERIES_WEEKS = 53
MAX_CAPACITY = 500


def _same_store(store_id: int, *objects: Any) -> None:
    for obj in objects:
        if obj.store_id != store_id:
            raise ValidationError(_("Cet objet n'appartient pas à cette épicerie."))


def _touch_households(store: Store, household_ids: Any) -> None:
    """Put the households in the till's next snapshot delta (their project shown or not)."""
    Household.objects.filter(store=store, pk__in=household_ids).update(updated_at=timezone.now())


@transaction.atomic
def accompaniment_settings_update(
    *, store: Store, actor: User | None, data: Mapping[str, Any]
) -> AccompanimentSettings:
    # Locked: two managers saving at once each see the other's change in the trail.
    found = accompaniment_settings(store)
    found = AccompanimentSettings.objects.select_for_update().get(pk=found.pk)
    before = snapshot_fields(found, SETTINGS_FIELDS)
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(found, name, data[name])
    found.full_clean(exclude=["store"])
    found.save()
    changes = diff_fields(found, before, SETTINGS_FIELDS)
    if "project_at_till" in changes:
        _touch_households(
            store,
            Project.objects.filter(store=store, status=ProjectStatus.ACTIVE).values("household_id"),
        )
    if changes:
        audit_record(
            store=store,
            actor=actor,
            action="accompaniment.settings_changed",
            target=found,
            changes=changes,
        )
    return found


def _check_project(project: Project) -> None:
    errors: dict[str, str] = {}
    if not project.label.strip():
        errors["label"] = _("Donnez un nom au projet.")
    if not 0 < project.goal_cents <= MAX_GOAL_CENTS:
        errors["goal_cents"] = _("L'objectif doit être compris entre 0,01 € et 100 000 €.")
    if project.target_date < project.start:
        errors["target_date"] = _("L'échéance doit suivre le début du projet.")
    elif project.target_date > project.start + timedelta(days=3 * 366):
        errors["target_date"] = _("L'échéance ne peut pas dépasser trois ans.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def project_create(
    *,
    household: Household,
    actor: User | None,
    label: str,
    goal_cents: int,
    start: date,
    target_date: date,
    contract_terms: str = "",
) -> Project:
    """A new project for the household; it may have one in progress at a time."""
    # Locked: two managers creating a project for the household at once would make two.
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.anonymised_at is not None:
        raise ValidationError(_("Ce foyer est anonymisé."))
    if Project.objects.filter(household=household, status=ProjectStatus.ACTIVE).exists():
        raise ValidationError(
            _("Ce foyer a déjà un projet en cours : clôturez-le avant d'en ouvrir un autre.")
        )
    project = Project(
        store_id=household.store_id,
        household=household,
        label=label.strip(),
        goal_cents=goal_cents,
        start=start,
        target_date=target_date,
        contract_terms=contract_terms.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _check_project(project)
    project.save()
    audit_record(
        store=household.store,
        actor=actor,
        action="project.created",
        target=project,
        changes={name: [None, str(getattr(project, name))] for name in AUDITED_PROJECT_FIELDS},
    )
    return project


@transaction.atomic
def project_update(*, project: Project, actor: User | None, data: Mapping[str, Any]) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not project.is_active:
        raise ValidationError(_("Ce projet est clos."))
    before = snapshot_fields(project, PROJECT_FIELDS)
    for name in PROJECT_FIELDS:
        if name in data:
            value = data[name]
            setattr(project, name, value.strip() if isinstance(value, str) else value)
    _check_project(project)
    project.save()
    changes = diff_fields(project, before, AUDITED_PROJECT_FIELDS)
    for name in ("label", "contract_terms"):
        if getattr(project, name) != before[name]:
            changes[name] = ["…", "…"]  # personal: the trail keeps only that it changed
    if changes:
        audit_record(
            store=project.store,
            actor=actor,
            action="project.updated",
            target=project,
            changes=changes,
        )
    return project


@transaction.atomic
def project_contract_sign(*, project: Project, actor: User | None, signed_on: date) -> Project:
    """Record that the household signed the contract (the paper the PDF printed)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    today = project.store.today()
    if signed_on > today:
        raise ValidationError({"signed_on": _("La date de signature ne peut pas être future.")})
    if signed_on < project.start - timedelta(days=60):
        raise ValidationError(
            {"signed_on": _("La signature ne peut précéder le projet de plus de deux mois.")}
        )
    before = project.contract_signed_on
    project.contract_signed_on = signed_on
    project.save(update_fields=["contract_signed_on", "updated_at"])
    audit_record(
        store=project.store,
        actor=actor,
        action="project.contract_signed",
        target=project,
        changes={"contract_signed_on": [str(before) if before else None, str(signed_on)]},
    )
    return project


@transaction.atomic
def project_close(
    *, project: Project, actor: User | None, status: str, closed_on: date | None = None
) -> Project:
    """End the project: its goal reached, or closed without it. Its savings stop that day."""
    if status not in (ProjectStatus.REACHED, ProjectStatus.CLOSED):
        raise ValidationError(_("État de clôture inconnu."))
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not project.is_active:
        raise ValidationError(_("Ce projet est déjà clos."))
    closed_on = closed_on or project.store.today()
    if closed_on < project.start:
        raise ValidationError(_("Un projet ne peut être clos avant son début."))
    project.status = status
    project.closed_on = closed_on
    project.save(update_fields=["status", "closed_on", "updated_at"])
    audit_record(
        store=project.store,
        actor=actor,
        action="project.closed",
        target=project,
        changes={"status": [ProjectStatus.ACTIVE, status]},
    )
    return project


@transaction.atomic
def project_review_add(
    *, project: Project, actor: User | None, held_on: date, notes: str
) -> ProjectReview:
    today = project.store.today()
    if held_on > today:
        raise ValidationError({"held_on": _("Un point d'étape ne peut pas être daté du futur.")})
    if held_on < project.start - timedelta(days=60):
        raise ValidationError({"held_on": _("Cette date précède de loin le début du projet.")})
    if not notes.strip():
        raise ValidationError({"notes": _("Écrivez ce qui a été dit ou décidé.")})
    review = ProjectReview.objects.create(
        store_id=project.store_id,
        project=project,
        held_on=held_on,
        notes=notes.strip(),
        author=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The notes never go into the trail: only that a review of that date was written.
    audit_record(
        store=project.store,
        actor=actor,
        action="project.review_added",
        target=project,
        changes={"held_on": [None, str(held_on)]},
    )
    return review


def project_notes_open(*, household: Household, user: User) -> None:
    """Journal that `user` opened the notes of the household's accompaniment (RGPD: the most
    sensitive data the shop holds, every reading traced)."""
    audit_record(
        store=household.store, actor=user, action="accompaniment.notes_opened", target=household
    )


@transaction.atomic
def workshop_create(*, store: Store, actor: User | None, title: str, held_on: date) -> Workshop:
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Donnez un titre à l'atelier.")})
    today = store.today()
    if abs((held_on - today).days) > 366:
        raise ValidationError({"held_on": _("Choisissez une date à moins d'un an d'aujourd'hui.")})
    workshop = Workshop.objects.create(store=store, title=title[:150], held_on=held_on)
    audit_record(store=store, actor=actor, action="workshop.created", target=workshop)
    return workshop


@transaction.atomic
def workshop_attendance_record(
    *, workshop: Workshop, household: Household, actor: User | None
) -> WorkshopAttendance:
    _same_store(workshop.store_id, household)
    attendance, created = WorkshopAttendance.objects.get_or_create(
        workshop=workshop,
        household=household,
        defaults={
            "store_id": workshop.store_id,
            "recorded_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    if not created:
        raise ValidationError(_("Ce foyer est déjà inscrit à cet atelier."))
    audit_record(
        store=workshop.store,
        actor=actor,
        action="workshop.attended",
        target=household,
        changes={"workshop": [None, str(workshop)]},
    )
    return attendance


def _check_times(start_time: time, end_time: time, capacity: int) -> None:
    if end_time <= start_time:
        raise ValidationError({"end_time": _("La fin du créneau doit suivre son début.")})
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationError(
            {"capacity": _("Le nombre de places doit être compris entre 1 et 500.")}
        )


@transaction.atomic
def slot_series_create(
    *,
    store: Store,
    actor: User | None,
    weekday: int,
    start_time: time,
    end_time: time,
    capacity: int,
    kind: str,
    first_date: date,
    last_date: date,
) -> SlotSeries:
    """A weekly opening from `first_date` to `last_date` (at most a year), with one slot per
    week made at once, so that booking only ever locks an existing row."""
    _check_times(start_time, end_time, capacity)
    if kind not in SlotKind.values:
        raise ValidationError({"kind": _("Type de créneau inconnu.")})
    if not 0 <= weekday <= 6:
        raise ValidationError({"weekday": _("Jour inconnu.")})
    if last_date < first_date:
        raise ValidationError({"last_date": _("La dernière date doit suivre la première.")})
    if (last_date - first_date).days > 7 * MAX_SERIES_WEEKS:
        raise ValidationError({"last_date": _("Une série de créneaux dure au plus un an.")})
    if first_date < store.today() - timedelta(days=7):
        raise ValidationError({"first_date": _("La série ne peut pas commencer dans le passé.")})
    series = SlotSeries.objects.create(
        store=store,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        kind=kind,
        first_date=first_date,
        last_date=last_date,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    day = first_date + timedelta(days=(weekday - first_date.weekday()) % 7)
    slots = []
    while day <= last_date:
        slots.append(
            Slot(
                store=store,
                series=series,
                date=day,
                start_time=start_time,
                end_time=end_time,
                capacity=capacity,
                kind=kind,
            )
        )
        day += timedelta(days=7)
    if not slots:
        raise ValidationError(_("Aucun jour de la semaine choisie entre ces deux dates."))
    Slot.objects.bulk_create(slots)
    audit_record(
        store=store,
        actor=actor,
        action="slot_series.created",
        target=series,
        changes={"slots": [None, len(slots)], "capacity": [None, capacity]},
    )
    return series


@transaction.atomic
def slot_create(
    *,
    store: Store,
    actor: User | None,
    day: date,
    start_time: time,
    end_time: time,
    capacity: int,
    kind: str,
) -> Slot:
    """A one-off opening (an extra afternoon)."""
    _check_times(start_time, end_time, capacity)
    if kind not in SlotKind.values:
        raise ValidationError({"kind": _("Type de créneau inconnu.")})
    if day < store.today():
        raise ValidationError({"day": _("Un créneau ne peut pas être créé dans le passé.")})
    slot = Slot.objects.create(
        store=store,
        date=day,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        kind=kind,
    )
    audit_record(store=store, actor=actor, action="slot.created", target=slot)
    return slot


@transaction.atomic
def slot_cancel(*, slot: Slot, actor: User | None) -> int:
    """Cancel a slot and the appointments booked in it; returns how many were cancelled."""
    # Locked: a booking racing the cancellation would land in a cancelled slot.
    slot = Slot.objects.select_for_update().get(pk=slot.pk)
    if slot.cancelled:
        return 0
    slot.cancelled = True
    slot.save(update_fields=["cancelled"])
    cancelled = Appointment.objects.filter(slot=slot, status=AppointmentStatus.BOOKED).update(
        status=AppointmentStatus.CANCELLED, status_changed_at=timezone.now()
    )
    audit_record(
        store=slot.store,
        actor=actor,
        action="slot.cancelled",
        target=slot,
        changes={"appointments_cancelled": [None, cancelled]},
    )
    return cancelled


@transaction.atomic
def appointment_book(
    *, slot: Slot, household: Household, kind: str, actor: User | None
) -> Appointment:
    """Book the household into the slot. Never over the slot's capacity, even when several
    people book its last place at the same moment."""
    _same_store(slot.store_id, household)
    if kind not in AppointmentKind.values:
        raise ValidationError({"kind": _("Motif de rendez-vous inconnu.")})
    # Locked: the places are counted then one is taken; two bookings reading the same count
    # at once would both take the last place. (No select_related: FOR UPDATE would lock the
    # shop's row too, and every booking of the shop would queue behind it.)
    slot = Slot.objects.select_for_update().get(pk=slot.pk)
    if household.anonymised_at is not None:
        raise ValidationError(_("Ce foyer est anonymisé."))
    if slot.cancelled:
        raise ValidationError(_("Ce créneau est annulé."))
    if not slot.accepts(kind):
        raise ValidationError(
            {"kind": _("Ce créneau est réservé aux %(kind)s.") % {"kind": slot.get_kind_display()}}
        )
    # A slot of today may still be booked after it started: a household that came without an
    # appointment is recorded on the day.
    if slot.date < slot.store.today():
        raise ValidationError(_("Ce créneau est passé."))
    taken = Appointment.objects.filter(slot=slot, status__in=HOLDS_A_PLACE)
    if taken.filter(household=household).exists():
        raise ValidationError(_("Ce foyer a déjà un rendez-vous sur ce créneau."))
    if taken.count() >= slot.capacity:
        raise ValidationError(_("Ce créneau est complet."))
    appointment = Appointment.objects.create(
        store_id=slot.store_id,
        slot=slot,
        household=household,
        kind=kind,
        booked_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        store=slot.store,
        actor=actor,
        action="appointment.booked",
        target=appointment,
        changes={"kind": [None, kind]},
    )
    return appointment


@transaction.atomic
def appointment_set_status(
    *, appointment: Appointment, status: str, actor: User | None, now: datetime | None = None
) -> Appointment:
    """Mark an appointment kept (venu), missed (absent: it counts as a no-show of the
    household), cancelled, or back to booked after a mistake; TRANSITIONS says which."""
    # Locked: back to «prévu» takes a place again; the slot's count must not race a booking.
    appointment = Appointment.objects.select_related("slot").get(pk=appointment.pk)
    slot = Slot.objects.select_for_update().get(pk=appointment.slot_id)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if status not in TRANSITIONS.get(appointment.status, ()):
        raise ValidationError(
            _("Ce rendez-vous est « %(state)s » : il ne peut pas passer à « %(new)s ».")
            % {
                "state": appointment.get_status_display(),
                "new": AppointmentStatus(status).label
                if status in AppointmentStatus.values
                else status,
            }
        )
    now = now or timezone.now()
    happened = slot.starts_at(appointment.store.timezone) <= now + timedelta(minutes=30)
    if status in (AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW) and not happened:
        raise ValidationError(_("Ce rendez-vous n'a pas encore eu lieu."))
    before = appointment.status
    appointment.status = status
    appointment.status_changed_at = now
    appointment.save(update_fields=["status", "status_changed_at"])
    audit_record(
        store=appointment.store,
        actor=actor,
        action="appointment.status_changed",
        target=appointment,
        changes={"status": [before, status]},
    )
    return appointment


def _reminder_texts(appointment: Appointment) -> tuple[str, str, str]:
    """(subject, e-mail body, SMS) in French: the shop, the day and time, the reason; nothing
    else about the household."""
    store, slot = appointment.store, appointment.slot
    with translation.override("fr"):
        day = formats.date_format(slot.date, "l j F Y")
        start, end = slot.start_time.strftime("%H:%M"), slot.end_time.strftime("%H:%M")
        kind = appointment.get_kind_display()
        subject = _("Rappel : votre rendez-vous à %(store)s") % {"store": store.name}
        where = ", ".join(
            part for part in (store.address, f"{store.postal_code} {store.city}".strip()) if part
        )
        lines = [
            _("Bonjour,"),
            "",
            _(
                "Nous vous rappelons votre rendez-vous (%(kind)s) à l'épicerie %(store)s "
                "le %(day)s de %(start)s à %(end)s."
            )
            % {"kind": kind, "store": store.name, "day": day, "start": start, "end": end},
        ]
        if where:
            lines.append(_("Adresse : %(where)s") % {"where": where})
        lines += [
            "",
            _("En cas d'empêchement, merci de prévenir l'épicerie%(phone)s.")
            % {"phone": f" ({store.phone})" if store.phone else ""},
            "",
            _("À bientôt,"),
            store.name,
        ]
        sms = _("%(store)s : rappel de votre rendez-vous (%(kind)s) le %(day)s à %(start)s.") % {
            "store": store.name,
            "kind": kind,
            "day": formats.date_format(slot.date, "j/m"),
            "start": start,
        }
    return subject, "\n".join(lines), sms


def _claim_reminder(appointment_id: int, now: datetime) -> bool:
    unclaimed = Q(reminder_claimed_at__isnull=True) | Q(
        reminder_claimed_at__lt=now - STALE_REMINDER_CLAIM
    )
    return (
        Appointment.objects.filter(
            unclaimed,
            pk=appointment_id,
            status=AppointmentStatus.BOOKED,
            reminded_at__isnull=True,
        ).update(reminder_claimed_at=now)
        == 1
    )


def appointment_reminders_send(
    *, now: datetime | None = None, store: Store | None = None
) -> dict[str, int]:
    """One pass of the reminders: each booked appointment starting within its shop's delay
    gets one e-mail (and one SMS where the shop and the server send them), never two.

    Runs OUTSIDE any transaction (`cabas send_reminders`, the task): each appointment is
    claimed by one conditional UPDATE that commits before the mail server is called, so two
    passes at once never remind twice; a failed sending frees the claim for the next pass."""
    now = now or timezone.now()
    counts = {"email": 0, "sms": 0, "failed": 0, "skipped": 0}
    shop_settings: dict[int, AccompanimentSettings] = {}
    sms = None
    sms_loaded = False
    connection = None
    candidates = list(reminders_due(now, store=store))
    for appointment in candidates:
        config = shop_settings.get(appointment.store_id)
        if config is None:
            config = shop_settings[appointment.store_id] = accompaniment_settings(appointment.store)
        starts = appointment.slot.starts_at(appointment.store.timezone)
        if not now < starts <= now + timedelta(hours=config.reminder_hours):
            continue
        household = appointment.household
        want_email = config.email_reminders and bool(household.email)
        if config.sms_reminders and household.phone and not sms_loaded:
            sms, sms_loaded = sms_backend(), True
        want_sms = config.sms_reminders and bool(household.phone) and sms is not None
        if household.anonymised_at is not None or not (want_email or want_sms):
            counts["skipped"] += 1
            continue
        if not _claim_reminder(appointment.pk, now):
            continue
        subject, body, text = _reminder_texts(appointment)
        channels = []
        if want_email:
            try:
                connection = connection or get_connection(fail_silently=False)
                sent = EmailMessage(
                    subject=subject,
                    body=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[household.email],
                    reply_to=[appointment.store.email] if appointment.store.email else None,
                    connection=connection,
                ).send(fail_silently=False)
                if sent:
                    channels.append("email")
            except Exception as error:  # noqa: BLE001  the mail server refused: the next pass tries again
                logger.warning("reminder of appointment %s not e-mailed: %s", appointment.pk, error)
        if want_sms and sms is not None:
            try:
                if sms.send_messages([TextMessage(to=household.phone, body=text)]):
                    channels.append("sms")
            except Exception as error:  # noqa: BLE001  the provider refused: the next pass tries again
                logger.warning("reminder of appointment %s not texted: %s", appointment.pk, error)
        if channels:
            Appointment.objects.filter(pk=appointment.pk).update(
                reminded_at=timezone.now(), reminded_by=",".join(channels)
            )
            for channel in channels:
                counts[channel] += 1
        else:
            Appointment.objects.filter(pk=appointment.pk).update(reminder_claimed_at=None)
            counts["failed"] += 1
    return counts
