"""Reminders of the coming appointments: once each, by e-mail through Django's test backend
(locmem), by SMS through the locmem provider when the shop and the server send them."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from cabas.gestion.accompaniment import services, sms
from cabas.gestion.accompaniment.models import Appointment
from cabas.gestion.accompaniment.tasks import send_appointment_reminders
from tests.gestion.accompaniment.factories import make_slot
from tests.gestion.beneficiaries.factories import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _outboxes(settings):  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def booked(world, *, email: str = "marie@example.org", phone: str = "0601020304", days: int = 1):
    slot = make_slot(
        world.store_a,
        day=world.store_a.today() + timedelta(days=days),
        start=time(14, 30),
        end=time(16),
    )
    household = make_household(world.store_a, email=email, phone=phone)
    return services.appointment_book(slot=slot, household=household, kind="shopping", actor=None)


def an_hour_before(appointment: Appointment):
    return appointment.slot.starts_at(appointment.store.timezone) - timedelta(hours=1)


def test_a_reminder_is_e_mailed_once_within_the_shops_delay(world):
    world.store_a.phone = "01 23 45 67 89"
    world.store_a.save()
    appointment = booked(world)
    starts = appointment.slot.starts_at(world.store_a.timezone)
    # Two days before: too early for the default 24 hours.
    assert services.appointment_reminders_send(now=starts - timedelta(hours=30))["email"] == 0
    assert mail.outbox == []
    counts = services.appointment_reminders_send(now=an_hour_before(appointment))
    assert counts["email"] == 1
    [message] = mail.outbox
    assert message.to == ["marie@example.org"]
    assert message.subject == "Rappel : votre rendez-vous à Épicerie A"
    assert "14:30" in message.body and "courses" in message.body
    assert "01 23 45 67 89" in message.body
    assert "Dupont" not in message.body  # nothing about the household beyond the meeting
    # A second pass, or the task, never sends it again.
    services.appointment_reminders_send(now=an_hour_before(appointment))
    send_appointment_reminders.enqueue()
    assert len(mail.outbox) == 1
    appointment.refresh_from_db()
    assert appointment.reminded_by == "email" and appointment.reminded_at is not None


def test_no_sms_unless_the_shop_and_the_server_both_send_them(world, settings):
    appointment = booked(world)
    services.appointment_reminders_send(now=an_hour_before(appointment))
    assert sms.outbox == []

    second = booked(world, days=2, email="")
    services.accompaniment_settings_update(
        store=world.store_a, actor=world.alice, data={"sms_reminders": True}
    )
    # The shop wants SMS, but no provider is configured on the server.
    assert services.appointment_reminders_send(now=an_hour_before(second))["skipped"] == 1
    settings.CABAS_SMS_BACKEND = "cabas.gestion.accompaniment.sms.LocmemBackend"
    counts = services.appointment_reminders_send(now=an_hour_before(second))
    assert counts["sms"] == 1
    [text] = sms.outbox
    assert text.to == "0601020304"
    assert text.body.startswith("Épicerie A : rappel de votre rendez-vous (courses)")
    second.refresh_from_db()
    assert second.reminded_by == "sms"


def test_a_refused_e_mail_frees_the_reminder_for_the_next_pass(world, settings):
    appointment = booked(world)
    settings.EMAIL_BACKEND = "tests.gestion.accompaniment.test_reminders.RefusingBackend"
    counts = services.appointment_reminders_send(now=an_hour_before(appointment))
    assert counts["failed"] == 1
    appointment.refresh_from_db()
    assert appointment.reminded_at is None and appointment.reminder_claimed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.appointment_reminders_send(now=an_hour_before(appointment))["email"] == 1


def test_cancelled_appointments_and_households_without_contact_get_nothing(world):
    cancelled = booked(world)
    services.appointment_set_status(appointment=cancelled, status="cancelled", actor=None)
    silent = booked(world, email="", phone="")
    counts = services.appointment_reminders_send(now=an_hour_before(silent))
    assert counts == {"email": 0, "sms": 0, "failed": 0, "skipped": 1}
    assert mail.outbox == []


def test_the_command_sends_the_due_reminders_of_one_shop(world, capsys):
    booked(world, days=0)  # later today… or already started: the command decides by the clock
    call_command("send_reminders", "--store", world.store_a.slug)
    assert "e-mail(s)" in capsys.readouterr().out


class RefusingBackend:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: list[object]) -> int:
        raise ConnectionRefusedError("mail server down")
