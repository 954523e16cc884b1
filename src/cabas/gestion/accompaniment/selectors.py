"""Reads of the accompaniment: a project's savings and progress (from the household's tickets),
the shop's slots and appointments of a day, no-shows per household."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from cabas.gestion.accompaniment.models import (
    HOLDS_A_PLACE,
    AccompanimentSettings,
    Appointment,
    AppointmentStatus,
    Project,
    ProjectStatus,
    Slot,
    WorkshopAttendance,
)
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.sales.models import Ticket
from cabas.gestion.stores.models import Store


def accompaniment_settings(store: Store) -> AccompanimentSettings:
    """The shop's settings, created with the defaults on first use."""
    found, _created = AccompanimentSettings.objects.get_or_create(store=store)
    return found


def shop_midnight(store: Store, day: date) -> datetime:
    """The first instant of `day` in the shop's time zone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(store.timezone))


def _savings_tickets(project: Project) -> QuerySet[Ticket]:
    """The household's tickets that count toward the project: from its first day on, to the
    end of the day it was closed. Refunds are tickets too (negative full price and total), so
    a refunded purchase takes back its saving."""
    store = project.store
    tickets = Ticket.objects.filter(
        store_id=project.store_id,
        household_id=project.household_id,
        created_at__gte=shop_midnight(store, project.start),
    )
    if project.closed_on is not None:
        tickets = tickets.filter(
            created_at__lt=shop_midnight(store, project.closed_on + timedelta(days=1))
        )
    return tickets


def project_savings_cents(project: Project) -> int:
    """What the household saved since the project started: the sum over its tickets of the
    full price minus what it paid (the «économie» the till prints on each receipt)."""
    total = _savings_tickets(project).aggregate(
        saved=Coalesce(Sum(F("full_price_cents") - F("total_cents")), Value(0))
    )["saved"]
    return int(total)


@dataclass(frozen=True)
class ProjectProgress:
    project: Project
    saved_cents: int
    today: date

    @property
    def goal_cents(self) -> int:
        return self.project.goal_cents

    @property
    def left_cents(self) -> int:
        return max(self.goal_cents - self.saved_cents, 0)

    @property
    def percent(self) -> int:
        """Progress toward the goal, 0–100 (a goal of 0 is reached at once)."""
        if self.goal_cents <= 0:
            return 100
        return max(0, min(100, self.saved_cents * 100 // self.goal_cents))

    @property
    def days_left(self) -> int:
        return (self.project.target_date - self.today).days

    @property
    def reached(self) -> bool:
        return self.saved_cents >= self.goal_cents


def project_progress(project: Project, today: date) -> ProjectProgress:
    return ProjectProgress(project, project_savings_cents(project), today)


def household_active_project(household: Household) -> Project | None:
    return (
        Project.objects.filter(
            store_id=household.store_id, household=household, status=ProjectStatus.ACTIVE
        )
        .order_by("-start", "-pk")
        .first()
    )


def household_projects(household: Household) -> list[Project]:
    return list(
        Project.objects.filter(store_id=household.store_id, household=household).prefetch_related(
            "reviews__author"
        )
    )


def household_project(store: Store, household: Household, pk: int) -> Project:
    """The household's project `pk` of this shop, or Project.DoesNotExist."""
    return Project.objects.select_related("household", "store").get(
        store=store, household=household, pk=pk
    )


def household_workshops(household: Household) -> list[Any]:
    return list(
        WorkshopAttendance.objects.filter(store_id=household.store_id, household=household)
        .select_related("workshop")
        .order_by("-workshop__held_on", "-pk")
    )


def household_no_shows(household: Household) -> int:
    return Appointment.objects.filter(
        store_id=household.store_id, household=household, status=AppointmentStatus.NO_SHOW
    ).count()


def household_appointments(household: Household, *, limit: int = 30) -> list[Appointment]:
    return list(
        Appointment.objects.filter(store_id=household.store_id, household=household)
        .select_related("slot")
        .order_by("-slot__date", "-slot__start_time", "-pk")[:limit]
    )


def no_shows_by_household(store: Store, household_ids: Iterable[int]) -> dict[int, int]:
    """{household id: its no-shows ever} for the households listed."""
    return dict(
        Appointment.objects.filter(
            store=store, household_id__in=list(household_ids), status=AppointmentStatus.NO_SHOW
        )
        .values("household_id")
        .annotate(n=Count("pk"))
        .values_list("household_id", "n")
    )


def slots_with_bookings(store: Store) -> QuerySet[Slot]:
    """The shop's slots, each with `booked` (the places taken)."""
    return Slot.objects.filter(store=store).annotate(
        booked=Count("appointments", filter=Q(appointments__status__in=HOLDS_A_PLACE))
    )


@dataclass(frozen=True)
class DaySlot:
    slot: Slot
    appointments: list[Appointment]

    @property
    def taken(self) -> int:
        return sum(1 for a in self.appointments if a.status in HOLDS_A_PLACE)

    @property
    def free(self) -> int:
        return max(self.slot.capacity - self.taken, 0)


def day_schedule(store: Store, day: date) -> list[DaySlot]:
    """The day's slots in order, each with its appointments (cancelled ones last). Three
    queries whatever the number of slots and appointments."""
    slots = list(Slot.objects.filter(store=store, date=day).order_by("start_time", "pk"))
    by_slot: dict[int, list[Appointment]] = {slot.pk: [] for slot in slots}
    appointments = (
        Appointment.objects.filter(store=store, slot__in=slots)
        .select_related("household")
        .order_by("household__label", "pk")
    )
    for appointment in appointments:
        by_slot[appointment.slot_id].append(appointment)
    no_shows = no_shows_by_household(store, {a.household_id for a in appointments})
    for appointment in appointments:
        appointment.household_no_shows = no_shows.get(  # type: ignore[attr-defined]
            appointment.household_id, 0
        )
    return [
        DaySlot(
            slot,
            sorted(
                by_slot[slot.pk],
                key=lambda a: a.status == AppointmentStatus.CANCELLED,
            ),
        )
        for slot in slots
    ]


def upcoming_slots(
    store: Store, today: date, *, kind: str | None = None, days: int = 60
) -> list[Any]:
    """Slots not cancelled from today for `days` days that still have a free place."""
    slots = slots_with_bookings(store).filter(
        date__gte=today, date__lte=today + timedelta(days=days), cancelled=False
    )
    if kind:
        slots = slots.filter(kind__in=["any", kind])
    ordered = slots.order_by("date", "start_time", "pk")
    return [slot for slot in ordered if getattr(slot, "booked", 0) < slot.capacity]


# A reminder claimed longer ago than this was left by a pass that died: it is tried again.
STALE_REMINDER_CLAIM = timedelta(hours=1)


def reminders_due(now: datetime, *, store: Store | None = None) -> QuerySet[Appointment]:
    """Booked appointments not reminded yet (nor being reminded) whose slot is near. The date
    window is coarse (a day before, a week after); the caller checks the exact start against
    the shop's delay, in the shop's time zone."""
    unclaimed = Q(reminder_claimed_at__isnull=True) | Q(
        reminder_claimed_at__lt=now - STALE_REMINDER_CLAIM
    )
    appointments = Appointment.objects.filter(
        unclaimed,
        status=AppointmentStatus.BOOKED,
        reminded_at__isnull=True,
        slot__cancelled=False,
        slot__date__gte=(now - timedelta(days=1)).date(),
        slot__date__lte=(now + timedelta(days=8)).date(),
    ).select_related("slot", "household", "store")
    if store is not None:
        appointments = appointments.filter(store=store)
    return appointments.order_by("slot__date", "slot__start_time", "pk")


def projects_for_till(store: Store, household_ids: list[int] | None) -> dict[int, dict[str, Any]]:
    """{household id: the project as the till shows it} for the households with a project in
    progress, when the shop wants projects shown at the till (else empty). One query for the
    projects (the shop's setting joined in), then one per distinct start date for their
    savings."""
    projects = _till_projects(store)
    if household_ids is not None:
        projects = projects.filter(household_id__in=household_ids)
    rows = projects.order_by("household_id", "start", "pk").values_list(
        "household_id", "label", "goal_cents", "start", "target_date"
    )
    found = {
        household_id: {
            "label": label,
            "goal_cents": goal,
            "saved_cents": 0,
            "target_date": target.isoformat(),
        }
        for household_id, label, goal, _start, target in rows
    }
    starts = {household_id: start for household_id, _label, _goal, start, _target in rows}
    for household_id, saved in _savings_since(store, starts).items():
        found[household_id]["saved_cents"] = saved
    return found


def _till_projects(store: Store) -> QuerySet[Project]:
    """The projects in progress the till shows: none unless the shop's setting says so."""
    return Project.objects.filter(
        store=store,
        status=ProjectStatus.ACTIVE,
        store__accompaniment_settings__project_at_till=True,
    )


def _savings_since(store: Store, starts: dict[int, date]) -> dict[int, int]:
    """{household id: savings on its tickets from its date on}, grouped by start date so that
    households whose projects started the same day share one query."""
    by_start: dict[date, list[int]] = {}
    for household_id, start in starts.items():
        by_start.setdefault(start, []).append(household_id)
    saved: dict[int, int] = {}
    for start, households in by_start.items():
        rows = (
            Ticket.objects.filter(
                store=store,
                household_id__in=households,
                created_at__gte=shop_midnight(store, start),
            )
            .values("household_id")
            .annotate(s=Sum(F("full_price_cents") - F("total_cents")))
            .values_list("household_id", "s")
        )
        saved.update({hid: int(s or 0) for hid, s in rows})
    return saved


def project_households_changed_since(store: Store, since: datetime) -> QuerySet[Household]:
    """Households whose project at the till may have changed after `since`: their project was
    written, or a ticket of theirs was received (free goods save without spending). None when
    the shop does not show projects at the till. Subqueries only: no query of its own."""
    shown = Q(store__accompaniment_settings__project_at_till=True)
    projects = Project.objects.filter(shown, store=store, updated_at__gt=since).values(
        "household_id"
    )
    tickets = Ticket.objects.filter(
        store=store,
        received_at__gt=since,
        household_id__in=_till_projects(store).values("household_id"),
    ).values("household_id")
    return Household.objects.filter(store=store).filter(Q(pk__in=projects) | Q(pk__in=tickets))
