"""Never over a slot's capacity when many people book its places at once (real commits, one
connection per thread; run on PostgreSQL and MariaDB as well as SQLite)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError

from cabas.gestion.accompaniment import services
from cabas.gestion.accompaniment.models import Appointment, Slot
from cabas.gestion.beneficiaries.models import Household
from tests.conftest import make_world
from tests.gestion.accompaniment.factories import make_slot
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.concurrency import run_in_threads

THREADS = 12
CAPACITY = 5


@pytest.mark.django_db(transaction=True)
def test_twelve_bookings_at_once_of_a_five_place_slot_give_five_appointments():
    world = make_world()
    slot_id = make_slot(world.store_a, capacity=CAPACITY).pk
    pending = [make_household(world.store_a, last_name=f"Foyer{i}").pk for i in range(THREADS)]
    lock = threading.Lock()

    def work() -> str:
        with lock:
            household_id = pending.pop()
        try:
            services.appointment_book(
                slot=Slot.objects.get(pk=slot_id),
                household=Household.objects.get(pk=household_id),
                kind="shopping",
                actor=None,
            )
        except ValidationError as error:
            return " ".join(error.messages)
        return "booked"

    results, errors = run_in_threads(work, THREADS)
    assert errors == []
    assert (
        sorted(results)
        == ["Ce créneau est complet."] * (THREADS - CAPACITY) + ["booked"] * CAPACITY
    )
    assert Appointment.objects.filter(slot_id=slot_id).count() == CAPACITY


@pytest.mark.django_db(transaction=True)
def test_one_household_booked_from_eight_threads_at_once_gets_one_appointment():
    world = make_world()
    slot_id = make_slot(world.store_a, capacity=CAPACITY).pk
    household_id = make_household(world.store_a).pk

    def work() -> str:
        try:
            services.appointment_book(
                slot=Slot.objects.get(pk=slot_id),
                household=Household.objects.get(pk=household_id),
                kind="shopping",
                actor=None,
            )
        except ValidationError:
            return "refused"
        return "booked"

    results, errors = run_in_threads(work, 8)
    assert errors == []
    assert sorted(results) == ["booked"] + ["refused"] * 7
    assert Appointment.objects.filter(slot_id=slot_id).count() == 1
