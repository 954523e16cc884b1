"""The people served by the funders' categories: ages from the composition, the other
categories only from answers given with consent, « non renseigné » otherwise."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries.funders import funder_answers_set
from cabas.gestion.beneficiaries.models import FunderAnswers, Household
from cabas.gestion.beneficiaries.services import household_members_set
from cabas.gestion.reports.people import people_served
from tests.gestion.beneficiaries.factories import make_household

pytestmark = pytest.mark.django_db

ON = date(2026, 1, 31)


@pytest.fixture
def two(world):  # type: ignore[no-untyped-def]
    detailed = make_household(world.store_a)
    household_members_set(
        household=detailed,
        actor=None,
        members=[
            {"first_name": "Marie", "birth_date": date(1961, 1, 31), "is_adult": True},  # 65
            {"first_name": "Paul", "birth_date": None, "is_adult": True},  # age unknown
            {"first_name": "Léa", "birth_date": date(2010, 6, 1), "is_adult": False},  # 15
            {"first_name": "Tom", "birth_date": date(2009, 12, 1), "is_adult": False},  # 16
        ],
    )
    counted = make_household(
        world.store_a, last_name="Martin", birth_date=date(1950, 3, 3), adults=2, children=1
    )
    return detailed, counted


def served(*households: Household):  # type: ignore[no-untyped-def]
    return Household.objects.filter(pk__in=[h.pk for h in households])


def test_ages_come_from_the_members_and_else_the_reference_person(two):
    people = people_served(served(*two), ON)
    assert people.total == 7
    assert (people.children, people.seniors) == (1, 2)  # Léa; Marie and M. Martin
    assert people.unknown_age == 7 - 4  # Paul, and M. Martin's two others


def test_without_consent_nothing_is_kept_and_everyone_is_non_renseigne(two, world):
    detailed, counted = two
    funder_answers_set(household=detailed, actor=world.alice, consent=False, answers={"women": 2})
    people = people_served(served(*two), ON)
    assert (people.women, people.unanswered["women"]) == (0, 7)
    assert FunderAnswers.objects.get(household=detailed).women is None


def test_answers_given_with_consent_are_counted_the_rest_is_non_renseigne(two, world):
    detailed, counted = two
    funder_answers_set(
        household=detailed,
        actor=world.alice,
        consent=True,
        answers={"women": 2, "disabled": None, "migrants": 0, "homeless": True},
    )
    people = people_served(served(*two), ON)
    assert (people.women, people.unanswered["women"]) == (2, 3)
    assert (people.disabled, people.unanswered["disabled"]) == (0, 7)
    assert (people.migrants, people.unanswered["migrants"]) == (0, 3)
    assert (people.homeless, people.unanswered["homeless"]) == (4, 3)
    table = people.table()
    assert table.rows[3] == ["Femmes", 2, 3]
    event = AuditEvent.objects.get(action="household.funder_answers_changed")
    assert event.changes["answers"] == ["…", "…"]  # never the answers themselves

    # Withdrawn: the answers go.
    funder_answers_set(household=detailed, actor=world.alice, consent=False, answers={})
    row = FunderAnswers.objects.get(household=detailed)
    assert (row.consent, row.women, row.homeless, row.consent_at) == (False, None, None, None)


def test_an_answer_beyond_the_household_size_is_refused_in_french(two, world):
    detailed, _counted = two
    with pytest.raises(ValidationError, match="Entre 0 et 4"):
        funder_answers_set(
            household=detailed, actor=world.alice, consent=True, answers={"women": 9}
        )


def test_the_answers_page_needs_consent_and_is_the_shops_own(alice_client, client, world, two):
    detailed, _counted = two
    url = f"/beneficiaires/{detailed.pk}/financeurs/"
    page = alice_client.get(url)
    assert page.status_code == 200 and "accord explicite" in page.content.decode()
    response = alice_client.post(url, {"consent": "on", "women": "1", "homeless": "no"})
    assert response.status_code == 302
    row = FunderAnswers.objects.get(household=detailed)
    assert (row.consent, row.women, row.homeless) == (True, 1, False)
    bad = alice_client.post(url, {"consent": "on", "women": "-1"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    client.force_login(world.charlie)
    assert client.get(url).status_code == 404
