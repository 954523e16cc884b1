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
