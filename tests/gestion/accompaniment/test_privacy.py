"""The accompaniment in the household's access-request export and in its anonymisation."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from cabas.gestion.accompaniment import services
from cabas.gestion.accompaniment.models import Appointment, Project, ProjectReview
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries.services import household_anonymise
from tests.gestion.accompaniment.factories import make_project, make_slot
from tests.gestion.beneficiaries.factories import make_household

pytestmark = pytest.mark.django_db

NOTES = "Suivi budget avec Mme L., dette EDF"


def accompanied(world):
    household = make_household(world.store_a, email="m@example.org")
    project = make_project(household, label="Rembourser la dette EDF")
    services.project_review_add(
        project=project, actor=world.alice, held_on=world.store_a.today(), notes=NOTES
    )
    workshop = services.workshop_create(
        store=world.store_a, actor=world.alice, title="Cuisine", held_on=world.store_a.today()
    )
    services.workshop_attendance_record(workshop=workshop, household=household, actor=None)
    slot = make_slot(world.store_a)
    services.appointment_book(slot=slot, household=household, kind="interview", actor=None)
    services.project_notes_open(household=household, user=world.alice)
    return household, project


def test_the_export_holds_the_project_its_reviews_workshops_appointments_and_openings(
    world, alice_client
):
    household, project = accompanied(world)
    response = alice_client.get(reverse("beneficiaries:export", args=[household.pk]))
    data = json.loads(response.content)
    [exported] = data["projects"]
    assert exported["label"] == "Rembourser la dette EDF"
    assert exported["goal_cents"] == project.goal_cents and exported["saved_cents"] == 0
    assert exported["reviews"][0]["notes"] == NOTES
    assert data["workshops_attended"][0]["title"] == "Cuisine"
    assert data["appointments"][0]["kind"] == "interview"
    assert data["accompaniment_notes_openings"][0]["by"] == str(world.alice)


def test_the_anonymisation_deletes_the_notes_and_the_projects_words(world):
    household, project = accompanied(world)
    assert household_anonymise(household=household, actor=world.alice)
    assert not ProjectReview.objects.filter(project=project).exists()
    project.refresh_from_db()
    assert (project.label, project.contract_terms) == ("", "")
    assert project.goal_cents > 0  # amounts and dates stay for statistics
    assert Appointment.objects.filter(household=household).count() == 1
    trail = list(
        AuditEvent.objects.filter(store=world.store_a).values_list("target_repr", "changes")
    )
    assert not any("EDF" in repr_ or "EDF" in json.dumps(changes) for repr_, changes in trail)
    assert not any(household.last_name in repr_ for repr_, _changes in trail)


def test_an_anonymised_household_can_no_longer_be_booked_or_given_a_project(world):
    household, _project = accompanied(world)
    household_anonymise(household=household, actor=None)
    household.refresh_from_db()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="anonymisé"):
        services.appointment_book(
            slot=make_slot(world.store_a), household=household, kind="shopping", actor=None
        )
    Project.objects.filter(household=household).update(status="closed")
    with pytest.raises(ValidationError, match="anonymisé"):
        make_project(household)
