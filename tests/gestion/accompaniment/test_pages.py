"""The accompaniment's pages: the project on the household's page, the notes for managers only
with every opening journalled, the day view for the whole team without notes."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.urls import reverse

from cabas.gestion.accompaniment import services
from cabas.gestion.accompaniment.models import Appointment, Project, Slot
from cabas.gestion.audit.models import AuditEvent
from tests.gestion.accompaniment.factories import make_project, make_slot
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.sales.conftest import ticket
from tests.gestion.sales.test_intake import send

pytestmark = pytest.mark.django_db

NOTES = "Dette de loyer : échéancier accepté"


def test_the_household_page_shows_the_projects_progress_without_its_notes(
    world, alice_client, shop_a, till_a
):
    project = make_project(shop_a.household, goal_cents=2_000)
    services.project_review_add(
        project=project, actor=world.alice, held_on=world.store_a.today(), notes=NOTES
    )
    send(till_a, ticket(shop_a, [(shop_a.pasta, 10)]))  # 15,00 € at full price, 3,00 € paid
    page = alice_client.get(reverse("beneficiaries:detail", args=[shop_a.household.pk]))
    html = page.content.decode()
    assert "Permis de conduire" in html
    assert "12,00\xa0€ épargnés sur 20,00\xa0€" in html
    assert 'value="60"' in html  # the progress bar
    assert NOTES not in html
    assert not AuditEvent.objects.filter(action="accompaniment.notes_opened").exists()


def test_every_opening_of_the_notes_is_journalled(world, alice_client):
    household = make_household(world.store_a)
    project = make_project(household)
    services.project_review_add(
        project=project, actor=world.alice, held_on=world.store_a.today(), notes=NOTES
    )
    url = reverse("accompaniment:household", args=[household.pk])
    for _ in range(2):
        assert NOTES in alice_client.get(url).content.decode()
    events = AuditEvent.objects.filter(
        action="accompaniment.notes_opened", target_id=str(household.pk)
    )
    assert events.count() == 2
    assert {e.actor for e in events} == {world.alice}


def test_cashiers_and_stock_managers_never_see_the_notes(world, client):
    household = make_household(world.store_a)
    project = make_project(household)
    services.project_review_add(
        project=project, actor=world.alice, held_on=world.store_a.today(), notes=NOTES
    )
    slot = make_slot(world.store_a, day=world.store_a.today())
    services.appointment_book(slot=slot, household=household, kind="interview", actor=None)
    for person in (world.bob, world.diane):
        client.force_login(person)
        assert (
            client.get(reverse("accompaniment:household", args=[household.pk])).status_code == 403
        )
        day = client.get(reverse("accompaniment:day")).content.decode()
        assert household.label in day and "entretien" in day
        assert NOTES not in day and project.label not in day
    assert not AuditEvent.objects.filter(action="accompaniment.notes_opened").exists()


def test_a_manager_makes_a_project_reviews_and_signs_it_from_the_pages(world, alice_client):
    household = make_household(world.store_a)
    today = world.store_a.today()
    response = alice_client.post(
        reverse("accompaniment:project_add", args=[household.pk]),
        {
            "label": "Meubles",
            "goal_cents": "300,50",
            "start": today.isoformat(),
            "target_date": (today + timedelta(days=90)).isoformat(),
            "contract_terms": "",
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(household=household)
    assert project.goal_cents == 30_050
    base = [household.pk, project.pk]
    alice_client.post(
        reverse("accompaniment:review", args=base), {"held_on": today, "notes": NOTES}
    )
    alice_client.post(reverse("accompaniment:sign", args=base), {"signed_on": today})
    project.refresh_from_db()
    assert project.contract_signed_on == today and project.reviews.count() == 1


def test_bad_input_gets_a_french_message_never_a_500(world, alice_client):
    household = make_household(world.store_a)
    today = world.store_a.today()
    response = alice_client.post(
        reverse("accompaniment:project_add", args=[household.pk]),
        {"label": "X", "goal_cents": "-3", "start": "2026-02-30", "target_date": "demain"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saisissez une date valide" in html
    response = alice_client.post(
        reverse("accompaniment:series_create"),
        {
            "weekday": "9",
            "start_time": "16:00",
            "end_time": "14:00",
            "capacity": "0",
            "kind": "any",
            "first_date": today.isoformat(),
            "last_date": today.isoformat(),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert alice_client.get(reverse("accompaniment:day") + "?date=2026-13-45").status_code == 200


def test_the_team_books_from_the_day_view_and_marks_an_absence(world, client):
    today = world.store_a.today()
    slot = make_slot(world.store_a, day=today, start=time(0, 0), end=time(0, 30), capacity=1)
    household = make_household(world.store_a)
    client.force_login(world.bob)
    day_url = reverse("accompaniment:day")
    response = client.post(
        reverse("accompaniment:book", args=[slot.pk]),
        {"card": household.code.lower(), "kind": "shopping"},
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get(slot=slot)
    other = make_household(world.store_a, last_name="Martin")
    response = client.post(
        reverse("accompaniment:book", args=[slot.pk]),
        {"card": other.code, "kind": "shopping"},
        follow=True,
    )
    assert "Ce créneau est complet." in response.content.decode()
    response = client.post(
        reverse("accompaniment:book", args=[slot.pk]),
        {"card": "ABCDE-12345", "kind": "shopping"},
        follow=True,
    )
    assert "Carte inconnue dans cette épicerie." in response.content.decode()
    client.post(reverse("accompaniment:status", args=[appointment.pk]), {"status": "no_show"})
    appointment.refresh_from_db()
    assert appointment.status == "no_show"
    assert "1 absence" in client.get(day_url).content.decode()


def test_charlie_cannot_book_shop_as_slot_or_household(world, client):
    slot = make_slot(world.store_a)
    household = make_household(world.store_a)
    client.force_login(world.charlie)
    assert (
        client.post(
            reverse("accompaniment:book", args=[slot.pk]),
            {"card": household.code, "kind": "shopping"},
        ).status_code
        == 404
    )
    # A slot of his own shop with shop A's card: unknown in his shop.
    own = make_slot(world.store_b)
    response = client.post(
        reverse("accompaniment:book", args=[own.pk]),
        {"card": household.code, "kind": "shopping"},
        follow=True,
    )
    assert "Carte inconnue dans cette épicerie." in response.content.decode()
    assert not Appointment.objects.exists()
    assert Slot.objects.filter(store=world.store_a).count() == 1


def test_a_manager_records_a_workshop_attended_from_the_accompaniment_page(world, alice_client):
    household = make_household(world.store_a)
    workshop = services.workshop_create(
        store=world.store_a, actor=world.alice, title="Budget", held_on=world.store_a.today()
    )
    url = reverse("accompaniment:attend", args=[household.pk])
    response = alice_client.post(url, {"workshop": workshop.pk}, follow=True)
    assert "Participation enregistrée." in response.content.decode()
    assert household.workshop_attendances.get().workshop == workshop
    again = alice_client.post(url, {"workshop": workshop.pk}, follow=True)
    assert "déjà inscrit à cet atelier" in again.content.decode()
