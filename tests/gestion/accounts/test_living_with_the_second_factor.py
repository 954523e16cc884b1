"""A second factor people can live with: recovery codes shown once, a manager who resets a lost
phone, switching it off where no shop asks for it, and pages that say who asks for it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabas.gestion.accounts.models import RecoveryCode
from cabas.gestion.audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.gestion.accounts.test_second_factor import _emailed_code, _password_only

CODE = re.compile(r"<code>([a-z0-9]{4}-[a-z0-9]{4})</code>")


def _set_up(client, username: str, address: str) -> list[str]:
    """Sign in with the password, set up an authenticator, return the recovery codes shown."""
    _password_only(client, username)
    client.get(reverse("accounts:otp"))
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    done = client.post(
        reverse("accounts:otp"),
        {"email_code": _emailed_code(address), "token": f"{totp(device.bin_key):06d}"},
        follow=True,
    )
    assert done.status_code == 200
    return CODE.findall(done.content.decode())


def _sign_in_again(client, username: str):
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})


def _wait_out_the_throttle(user) -> None:
    TOTPDevice.objects.filter(user=user).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )


def _next_code(device: TOTPDevice) -> str:
    """The app's next code: the current one was spent setting up, and codes never serve twice."""
    return f"{totp(device.bin_key, drift=1):06d}"


def _audited(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


class TestRecoveryCodes:
    def test_ten_codes_are_shown_once_after_setting_up(self, world, client) -> None:
        codes = _set_up(client, "bob", "bob@example.org")
        assert len(codes) == 10 and len(set(codes)) == 10
        again = client.get(reverse("accounts:recovery_codes")).content.decode()
        assert not CODE.findall(again)
        assert "déjà été affichés" in again
        # Only digests are kept: the database holds no code a reader could use.
        stored = set(RecoveryCode.objects.filter(user=world.bob).values_list("digest", flat=True))
        assert not stored & {code.replace("-", "") for code in codes}

    def test_a_recovery_code_lets_the_person_in_once(self, world, client) -> None:
        codes = _set_up(client, "bob", "bob@example.org")
        _sign_in_again(client, "bob")
        entered = client.post(reverse("accounts:otp"), {"token": codes[3].upper()}, follow=True)
        page = entered.content.decode()
        assert "Il vous en reste 9" in page
        assert client.get(reverse("stores:people")).status_code in (200, 403)
        assert _audited("accounts.recovery_code_used") == 1
        _sign_in_again(client, "bob")
        reused = client.post(reverse("accounts:otp"), {"token": codes[3]})
        assert "n&#x27;est pas valable ou a déjà servi" in reused.content.decode()

    def test_new_codes_replace_the_old_ones(self, world, client) -> None:
        old = _set_up(client, "bob", "bob@example.org")
        renewed = client.post(reverse("accounts:recovery_codes"), follow=True)
        new = CODE.findall(renewed.content.decode())
        assert len(new) == 10 and not set(new) & set(old)
        _sign_in_again(client, "bob")
        refused = client.post(reverse("accounts:otp"), {"token": old[0]})
        assert "déjà servi" in refused.content.decode()
        _wait_out_the_throttle(world.bob)
        assert client.post(reverse("accounts:otp"), {"token": new[0]}).status_code == 302

    def test_wrong_recovery_codes_are_slowed_down_like_wrong_app_codes(self, world, client) -> None:
        codes = _set_up(client, "bob", "bob@example.org")
        _sign_in_again(client, "bob")
        client.post(reverse("accounts:otp"), {"token": "zzzz-zzzz"})
        # Right away, even a good code waits for the throttle to pass.
        throttled = client.post(reverse("accounts:otp"), {"token": codes[0]})
        assert "Trop d&#x27;essais" in throttled.content.decode()

    # Typed by hand or sent by a script: short, long, empty, lone surrogates, bytes that are not
    # UTF-8.
    @pytest.mark.parametrize(
        "body",
        [
            "token=12345",
            "token=abc",
            "token=%ED%A0%80%ED%A0%80",
            "token=" + "1" * 30,
            "token=",
            "token=%FF%FE",
        ],
    )
    def test_a_code_that_cannot_be_one_gets_a_french_message(self, world, client, body) -> None:
        _set_up(client, "bob", "bob@example.org")
        _sign_in_again(client, "bob")
        response = client.post(
            reverse("accounts:otp"), body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()


class TestManagerReset:
    def test_a_manager_resets_a_lost_phone_and_it_is_journaled(self, world, client) -> None:
        _set_up(client, "bob", "bob@example.org")
        alice_client = Client()
        alice_client.force_login(world.alice)
        membership = world.store_a.memberships.get(user=world.bob)
        page = alice_client.get(reverse("stores:person_edit", args=[membership.pk]))
        assert "Réinitialiser la double authentification" in page.content.decode()
        done = alice_client.post(
            reverse("stores:person_second_factor_reset", args=[membership.pk]), follow=True
        )
        assert "est réinitialisée" in done.content.decode()
        assert not TOTPDevice.objects.filter(user=world.bob).exists()
        assert not RecoveryCode.objects.filter(user=world.bob).exists()
        event = AuditEvent.objects.get(action="accounts.otp_reset")
        assert event.store == world.store_a and event.actor == world.alice
        # Bob, whose shop does not ask, now signs in with the password alone.
        _sign_in_again(client, "bob")
        assert client.get(reverse("stores:people")).status_code == 403

    def test_there_is_nothing_to_reset_without_an_authenticator(self, world, alice_client) -> None:
        membership = world.store_a.memberships.get(user=world.bob)
        done = alice_client.post(
            reverse("stores:person_second_factor_reset", args=[membership.pk]), follow=True
        )
        assert "pas de double authentification" in done.content.decode()
        assert _audited("accounts.otp_reset") == 0

    def test_charlie_cannot_reset_a_member_of_another_shop(self, world, client) -> None:
        _set_up(client, "bob", "bob@example.org")
        client.post(reverse("accounts:logout"))
        _password_only(client, "charlie")
        membership = world.store_a.memberships.get(user=world.bob)
        response = client.post(reverse("stores:person_second_factor_reset", args=[membership.pk]))
        assert response.status_code == 404
        assert TOTPDevice.objects.filter(user=world.bob, confirmed=True).exists()


class TestSwitchingItOff:
    def test_the_person_switches_it_off_with_a_current_code(self, world, client) -> None:
        _set_up(client, "bob", "bob@example.org")
        device = TOTPDevice.objects.get(user=world.bob)
        account = client.get(reverse("accounts:account")).content.decode()
        assert "Désactiver la double authentification" in account
        assert "Demandée par" not in account
        wrong = client.post(reverse("accounts:otp_disable"), {"token": "000000"})
        assert wrong.status_code == 400
        assert TOTPDevice.objects.filter(user=world.bob).exists()
        _wait_out_the_throttle(world.bob)
        client.post(reverse("accounts:otp_disable"), {"token": _next_code(device)})
        assert not TOTPDevice.objects.filter(user=world.bob).exists()
        assert _audited("accounts.otp_disabled") == 1

    def test_it_cannot_be_switched_off_where_the_shop_asks_for_it(self, world, client) -> None:
        world.store_a.require_2fa = True
        world.store_a.save()
        _set_up(client, "bob", "bob@example.org")
        device = TOTPDevice.objects.get(user=world.bob)
        account = client.get(reverse("accounts:account")).content.decode()
        assert "Désactiver la double authentification" not in account
        assert f"Demandée par votre épicerie {world.store_a.name}" in account
        refused = client.post(
            reverse("accounts:otp_disable"), {"token": f"{totp(device.bin_key):06d}"}, follow=True
        )
        assert "ne peut pas être désactivée" in refused.content.decode()
        assert TOTPDevice.objects.filter(user=world.bob).exists()


class TestWhoAsks:
    def test_the_set_up_page_does_not_claim_the_shop_asks_when_it_does_not(
        self, world, client
    ) -> None:
        assert not world.store_a.require_2fa
        _password_only(client, "bob")
        page = client.get(reverse("accounts:otp")).content.decode()
        assert "demande un code" not in page
        assert "Avec la double authentification" in page

    def test_the_set_up_page_names_the_shop_that_asks(self, world, client) -> None:
        world.store_a.require_2fa = True
        world.store_a.save()
        _password_only(client, "bob")
        page = client.get(reverse("accounts:otp")).content.decode()
        assert f"Votre épicerie ({world.store_a.name}) demande un code" in page
