"""Opening slots and appointments: weekly series, capacity, statuses and no-shows."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError

from cabas.gestion.accompaniment import selectors, services
from cabas.gestion.accompaniment.models import Appointment, Slot
from tests.gestion.accompaniment.factories import make_slot
from tests.gestion.beneficiaries.factories import make_household

pytestmark = pytest.mark.django_db


def test_a_weekly_series_makes_one_slot_per_week_between_its_dates(world):
    today = world.store_a.today()
    series = services.slot_series_create(
        store=world.store_a,
        actor=world.alice,
        weekday=1,
        start_time=time(14),
        end_time=time(16),
        capacity=6,
        kind="shopping",
        first_date=today,
        last_date=today + timedelta(weeks=4, days=6),
    )
    slots = list(Slot.objects.filter(series=series))
    assert len(slots) == 5
    assert {slot.date.weekday() for slot in slots} == {1}
    assert all(today <= slot.date <= series.last_date for slot in slots)
    assert {(s.capacity, s.kind) for s in slots} == {(6, "shopping")}


def test_a_series_of_more_than_a_year_or_backwards_is_refused_in_french(world):
    today = world.store_a.today()
    base = dict(
        store=world.store_a, actor=None, weekday=0, start_time=time(9), capacity=4, kind="any"
    )
    with pytest.raises(ValidationError, match="au plus un an"):
        services.slot_series_create(
            **base, end_time=time(10), first_date=today, last_date=today + timedelta(days=400)
        )
    with pytest.raises(ValidationError, match="doit suivre son début"):
        services.slot_series_create(
            **base, end_time=time(8), first_date=today, last_date=today + timedelta(days=30)
        )


def test_booking_stops_at_the_slots_capacity_and_cancelling_frees_a_place(world):
    slot = make_slot(world.store_a, capacity=2)
    households = [make_household(world.store_a, last_name=f"Nom{i}") for i in range(3)]
    first = services.appointment_book(
        slot=slot, household=households[0], kind="shopping", actor=world.bob
    )
    services.appointment_book(slot=slot, household=households[1], kind="interview", actor=None)
    with pytest.raises(ValidationError, match="complet"):
        services.appointment_book(slot=slot, household=households[2], kind="shopping", actor=None)
    services.appointment_set_status(appointment=first, status="cancelled", actor=world.bob)
    services.appointment_book(slot=slot, household=households[2], kind="shopping", actor=None)
    assert Appointment.objects.filter(slot=slot, status="booked").count() == 2


def test_a_household_is_booked_once_per_slot_and_a_slot_keeps_to_its_kind(world):
    slot = make_slot(world.store_a, kind="interview")
    household = make_household(world.store_a)
    with pytest.raises(ValidationError, match="réservé aux entretiens"):
        services.appointment_book(slot=slot, household=household, kind="shopping", actor=None)
    services.appointment_book(slot=slot, household=household, kind="interview", actor=None)
    with pytest.raises(ValidationError, match="déjà un rendez-vous"):
        services.appointment_book(slot=slot, household=household, kind="interview", actor=None)


def test_another_shops_household_cannot_be_booked(world):
    slot = make_slot(world.store_a)
    stranger = make_household(world.store_b)
    with pytest.raises(ValidationError, match="n'appartient pas"):
        services.appointment_book(slot=slot, household=stranger, kind="shopping", actor=None)


def test_no_shows_are_counted_per_household(world):
    day = world.store_a.today() + timedelta(days=1)
    household = make_household(world.store_a)
    other = make_household(world.store_a, last_name="Martin")
    slots = [
        make_slot(world.store_a, day=day, start=time(9 + i), end=time(10 + i)) for i in range(3)
    ]
    # Marked the evening of that day.
    evening = slots[0].starts_at(world.store_a.timezone) + timedelta(hours=10)
    for slot in slots:
        for person in (household, other):
            services.appointment_book(slot=slot, household=person, kind="shopping", actor=None)
    appointments = list(Appointment.objects.filter(household=household))
    for appointment, status in zip(
        appointments + [appointments[1]],
        # The last one: a mistake put right (absent → venu).
        ["no_show", "no_show", "attended", "attended"],
        strict=True,
    ):
        services.appointment_set_status(
            appointment=appointment, status=status, actor=None, now=evening
        )
    assert selectors.household_no_shows(household) == 1
    assert selectors.household_no_shows(other) == 0
    schedule = selectors.day_schedule(world.store_a, day)
    marks = {
        (a.household_id, a.status): a.household_no_shows for e in schedule for a in e.appointments
    }
    assert marks[(household.pk, "no_show")] == 1


def test_an_appointment_to_come_cannot_be_marked_absent_and_a_cancelled_one_stays(world):
    slot = make_slot(world.store_a, day=world.store_a.today() + timedelta(days=3))
    household = make_household(world.store_a)
    appointment = services.appointment_book(
        slot=slot, household=household, kind="shopping", actor=None
    )
    with pytest.raises(ValidationError, match="pas encore eu lieu"):
        services.appointment_set_status(appointment=appointment, status="no_show", actor=None)
    services.appointment_set_status(appointment=appointment, status="cancelled", actor=None)
    with pytest.raises(ValidationError, match="ne peut pas passer"):
        services.appointment_set_status(appointment=appointment, status="booked", actor=None)


def test_cancelling_a_slot_cancels_its_appointments(world):
    slot = make_slot(world.store_a)
    household = make_household(world.store_a)
    services.appointment_book(slot=slot, household=household, kind="shopping", actor=None)
    assert services.slot_cancel(slot=slot, actor=world.alice) == 1
    with pytest.raises(ValidationError, match="annulé"):
        services.appointment_book(slot=slot, household=household, kind="shopping", actor=None)


def test_the_day_schedule_is_three_queries(world, django_assert_num_queries):
    day = world.store_a.today() + timedelta(days=1)
    for hour in (9, 11, 14):
        slot = make_slot(world.store_a, day=day, start=time(hour), end=time(hour + 1))
        for i in range(3):
            household = make_household(world.store_a, last_name=f"N{hour}{i}")
            services.appointment_book(slot=slot, household=household, kind="shopping", actor=None)
    with django_assert_num_queries(3):
        schedule = selectors.day_schedule(world.store_a, day)
        assert [len(e.appointments) for e in schedule] == [3, 3, 3]
