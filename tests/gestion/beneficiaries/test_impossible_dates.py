"""Dates that cannot be are refused with a French message, in the forms and the import; the
rights durations are one rule (issue #21, item 3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cabas.gestion.beneficiaries import services
from cabas.gestion.beneficiaries.forms import DURATIONS
from cabas.gestion.beneficiaries.models import Household
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.beneficiaries.test_import import GOOD, upload


def registration(world: Any, **changes: str) -> dict[str, str]:
    today = world.store_a.today()
    return {
        "last_name": "Nguyen",
        "first_name": "Anh",
        "adults": "1",
        "children": "0",
        "start": today.isoformat(),
        "months": "3",
        "privacy_accepted": "on",
        **changes,
    }


def test_a_birth_date_in_the_future_is_refused(world, client) -> None:
    client.force_login(world.alice)
    future = (world.store_a.today() + timedelta(days=400)).isoformat()
    response = client.post(reverse("beneficiaries:create"), registration(world, birth_date=future))
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in response.content.decode()
    assert not Household.objects.exists()
    household = make_household(world.store_a)
    tomorrow = world.store_a.today() + timedelta(days=1)
    with pytest.raises(ValidationError):
        services.household_members_set(
            household=household,
            actor=None,
            members=[{"first_name": "Lou", "birth_date": tomorrow}],
        )


def test_rights_starting_in_1990_are_refused(world, client) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("beneficiaries:create"), registration(world, start="1990-01-01"))
    assert response.status_code == 200
    assert "Choisissez une date entre 2000 et 2100" in response.content.decode()
    response = client.post(reverse("beneficiaries:create"), registration(world, start="2001-01-01"))
    assert "Les droits commencent entre le" in response.content.decode()
    assert not Household.objects.exists()


def test_a_household_is_not_saved_without_the_privacy_notice(world, client) -> None:
    client.force_login(world.alice)
    data = registration(world)
    del data["privacy_accepted"]
    response = client.post(reverse("beneficiaries:create"), data)
    assert response.status_code == 200
    assert "un foyer ne s&#x27;enregistre pas sans elle" in response.content.decode()
    assert not Household.objects.exists()


def test_the_form_and_the_import_offer_the_same_durations(world, client) -> None:
    assert [n for n, _label in DURATIONS] == list(
        range(services.MIN_PERIOD_MONTHS, services.MAX_PERIOD_MONTHS + 1)
    )
    client.force_login(world.alice)
    start = world.store_a.today().strftime("%d/%m/%Y")
    html = upload(client, GOOD + f"Martin;Jules;Lyon;1;0;{start};13;;\n").content.decode()
    assert "Durée : un nombre entier de 1 à 12 est attendu." in html
    html = upload(client, GOOD + "Martin;Jules;Lyon;1;0;01/01/1990;6;;\n").content.decode()
    assert "Choisissez une date entre 2000 et 2100" in html
    page = client.get(reverse("beneficiaries:create")).content.decode()
    assert ">12 mois<" in page


def test_the_import_refuses_a_birth_date_in_the_future(world, client) -> None:
    client.force_login(world.alice)
    header = "Nom;Prénom;Date de naissance;Adultes\n"
    html = upload(client, header + "Martin;Jules;01/01/2090;1\n").content.decode()
    assert "ne peut pas être dans le futur" in html


def test_the_admission_service_itself_keeps_the_window_and_the_durations(world) -> None:
    """Not only the forms: every way into rights_admit (a page, the import, a script)."""
    household = make_household(world.store_a)
    today = world.store_a.today()
    for start, months, field in (
        (today.replace(year=1990), 3, "start"),
        (today + timedelta(days=400), 3, "start"),
        (today, 0, "months"),
        (today, 13, "months"),
    ):
        with pytest.raises(ValidationError) as caught:
            services.rights_admit(
                household=household, actor=world.alice, start=start, months=months
            )
        assert field in caught.value.message_dict
        assert caught.value.message_dict[field][0].startswith(("Les droits", "Une période"))
    period = services.rights_admit(household=household, actor=world.alice, start=today, months=12)
    assert period.end == services.period_end_for(today, 12)


def test_a_recorded_history_period_is_never_longer_than_the_longest_duration(world) -> None:
    household = make_household(world.store_a)
    start = world.store_a.today()
    with pytest.raises(ValidationError) as caught:
        services.rights_period_record(
            household=household,
            actor=None,
            start=start,
            end=services.period_end_for(start, 12) + timedelta(days=1),
        )
    assert "au plus 12 mois" in str(caught.value)


def test_the_registration_service_refuses_a_household_without_the_notice(world) -> None:
    with pytest.raises(ValidationError) as caught:
        services.household_register(
            store=world.store_a,
            actor=world.alice,
            data={"last_name": "Nguyen"},
            start=world.store_a.today(),
            months=3,
            privacy_accepted=False,
        )
    assert "ne s'enregistre pas sans elle" in caught.value.message_dict["privacy_accepted"][0]
    assert not Household.objects.exists()


NOTICE = "Nom;Prénom;Commune;Notice remise\n"


def test_the_import_records_the_notice_given_or_flags_it_to_sign(world, client) -> None:
    client.force_login(world.alice)
    html = upload(
        client, NOTICE + "Martin;Jules;Lyon;oui\nPetit;Ana;Bron;\nRoux;Eva;Lyon;peut-être\n"
    ).content.decode()
    assert "Notice remise : « peut-être », « oui » ou « non » est attendu." in html
    assert "Petit Ana (Bron) · notice à faire signer" in html
    assert "Martin Jules (Lyon) ·" not in html
    client.post(reverse("beneficiaries:import"), {"action": "valid"})
    martin = Household.objects.get(last_name="Martin")
    petit = Household.objects.get(last_name="Petit")
    assert martin.privacy_accepted_by == world.alice
    assert martin.privacy_accepted_at is not None
    assert petit.privacy_accepted_at is None
    # The back office flags it: in the list (with a filter) and on the file.
    page = client.get(reverse("beneficiaries:list"), {"status": "all"}).content.decode()
    assert "1 foyer : notice à faire signer" in page
    listed = client.get(reverse("beneficiaries:list"), {"notice": "a-signer", "status": "all"})
    assert [row.household for row in listed.context["rows"]] == [petit]
    detail = client.get(reverse("beneficiaries:detail", args=[petit.pk])).content.decode()
    assert "notice à faire signer" in detail
    assert "la faire signer" in detail
    client.post(reverse("beneficiaries:privacy", args=[petit.pk]))
    page = client.get(reverse("beneficiaries:list"), {"status": "all"}).content.decode()
    assert "notice à faire signer" not in page
