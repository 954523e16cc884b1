"""The Caisse pages: new code, the tills list, rename, revoke, cashier PINs."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.pos.models import CashierProfile, Device
from cabas.gestion.pos.services import cashier_pin_set
from cabas.rules.pins import verify_pin
from tests.gestion.pos.conftest import enroll_till

pytestmark = pytest.mark.django_db


def test_a_manager_gets_a_new_code_shown_once(world, alice_client):
    response = alice_client.post(reverse("pos:code_create"))
    assert response.status_code == 200
    match = re.search(r'<p class="code">([A-Z0-9-]+)</p>', response.content.decode())
    assert match is not None
    code = match.group(1)
    page = alice_client.get(reverse("pos:home")).content.decode()
    assert code not in page
    assert code[:4] in page


def test_the_page_lists_the_shops_tills_only(world, alice_client):
    enroll_till(world.store_a, "Caisse entrée")
    enroll_till(world.store_b, "Caisse voisine")
    page = alice_client.get(reverse("pos:home")).content.decode()
    assert "Caisse entrée" in page
    assert "Caisse voisine" not in page
    assert "Aucune version de la caisse" in page  # nothing published in this test


def test_a_cashier_sees_the_download_but_not_the_tills(world, client):
    enroll_till(world.store_a, "Caisse entrée")
    client.force_login(world.bob)
    page = client.get(reverse("pos:home")).content.decode()
    assert "Installer la caisse sur un ordinateur" in page
    assert "Caisse entrée" not in page
    assert reverse("pos:code_create") not in page


def test_the_tills_page_keeps_its_queries_few(world, alice_client, django_assert_max_num_queries):
    for number in range(10):
        enroll_till(world.store_a, f"Caisse {number}")
    with django_assert_max_num_queries(12):
        assert alice_client.get(reverse("pos:home")).status_code == 200


def test_renaming_a_till(world, alice_client):
    till = enroll_till(world.store_a)
    response = alice_client.post(
        reverse("pos:device_edit", args=[till.device.pk]), {"name": "Caisse du marché"}
    )
    assert response.status_code == 302
    assert Device.objects.get(pk=till.device.pk).name == "Caisse du marché"
    assert AuditEvent.objects.filter(action="pos.device_renamed").exists()


def test_revoking_a_till_locks_it_out(world, alice_client):
    till = enroll_till(world.store_a)
    alice_client.post(reverse("pos:device_revoke", args=[till.device.pk]))
    assert till.get("caisse/latest").status_code == 401
    assert AuditEvent.objects.filter(action="pos.device_revoked").exists()


def test_a_manager_sets_a_cashiers_pin(world, alice_client):
    bob = world.store_a.memberships.get(user=world.bob)
    url = reverse("pos:cashier_pin", args=[bob.pk])
    response = alice_client.post(url, {"pin": "4821", "pin_confirm": "4821"})
    assert response.status_code == 302
    profile = CashierProfile.objects.get(membership=bob)
    assert "4821" not in profile.pin_hash
    assert verify_pin("4821", profile.pin_hash)
    assert AuditEvent.objects.filter(action="pos.pin_set").exists()


@pytest.mark.parametrize(("pin", "confirm"), [("12", "12"), ("12ab", "12ab"), ("4821", "4822")])
def test_a_bad_pin_is_refused_in_french(world, alice_client, pin, confirm):
    bob = world.store_a.memberships.get(user=world.bob)
    response = alice_client.post(
        reverse("pos:cashier_pin", args=[bob.pk]), {"pin": pin, "pin_confirm": confirm}
    )
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert not CashierProfile.objects.filter(membership=bob).exclude(pin_hash="").exists()


def test_a_pin_can_be_cleared(world, alice_client):
    bob = world.store_a.memberships.get(user=world.bob)
    url = reverse("pos:cashier_pin", args=[bob.pk])
    alice_client.post(url, {"pin": "4821", "pin_confirm": "4821"})
    alice_client.post(url, {"clear": "on"})
    assert CashierProfile.objects.get(membership=bob).pin_hash == ""


@pytest.mark.parametrize("pin", ["0000", "1234", "4321", "7890", "1212", "2580"])
def test_a_trivial_pin_is_refused_in_french(world, alice_client, pin):
    bob = world.store_a.memberships.get(user=world.bob)
    response = alice_client.post(
        reverse("pos:cashier_pin", args=[bob.pk]), {"pin": pin, "pin_confirm": pin}
    )
    assert response.status_code == 200
    assert "choisissez-en" in response.content.decode()
    assert not CashierProfile.objects.filter(membership=bob).exclude(pin_hash="").exists()


def test_the_digits_of_the_persons_household_card_are_refused(world, alice_client):
    from tests.gestion.beneficiaries.factories import make_household

    world.bob.first_name, world.bob.last_name = "Bob", "Martin"
    world.bob.save(update_fields=["first_name", "last_name"])
    household = make_household(world.store_a, last_name="Martin", first_name="Bob")
    household.code = "K7319X4Q2Z"  # the card the cashier holds as a beneficiary
    household.save(update_fields=["code"])
    bob = world.store_a.memberships.get(user=world.bob)
    with pytest.raises(ValidationError) as caught:
        cashier_pin_set(membership=bob, actor=None, pin="73194")
    assert "chiffres de la carte" in caught.value.messages[0]
    cashier_pin_set(membership=bob, actor=None, pin="4821")
