"""Signing in: throttling, session rotation, password reset by e-mail, two-factor authentication."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD


def _login(client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def _emailed_code(address: str) -> str:
    """The set-up code of the last e-mail sent to `address`."""
    sent = [message for message in mail.outbox if address in message.to]
    assert sent, "no set-up code was e-mailed"
    found = re.search(r"^\s+(\d{8})$", sent[-1].body, re.MULTILINE)
    assert found, sent[-1].body
    return found.group(1)


class TestLogin:
    def test_it_signs_a_manager_in_and_shows_the_shop(self, client, world) -> None:
        response = _login(client, "alice", PASSWORD)
        assert response.status_code == 302
        home = client.get(reverse("core:home"))
        assert "Épicerie A" in home.content.decode()
        assert "Paramètres" in home.content.decode()

    def test_it_rotates_the_session_key_at_login(self, client, world) -> None:
        client.get(reverse("accounts:login"))
        session = client.session
        session["before"] = True
        session.save()
        key_before = client.session.session_key
        _login(client, "alice", PASSWORD)
        assert client.session.session_key != key_before

    def test_it_says_plainly_when_the_password_is_wrong(self, client, world) -> None:
        response = _login(client, "alice", "wrong-password")
        assert response.status_code == 200
        assert "Identifiant ou mot de passe incorrect" in response.content.decode()

    def test_it_slows_down_repeated_failures_without_locking_the_person_out_elsewhere(
        self, client, world, settings
    ) -> None:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "alice", "wrong-password", ip="203.0.113.9")
        locked = _login(client, "alice", PASSWORD, ip="203.0.113.9")
        assert locked.status_code == 429
        assert "Trop d" in locked.content.decode()
        # The real alice, at the shop, still gets in.
        client.logout()
        elsewhere = _login(client, "alice", PASSWORD, ip="198.51.100.7")
        assert elsewhere.status_code == 302

    def test_the_lock_lifts_by_itself_after_the_cool_off(self, client, world, settings) -> None:
        from axes.models import AccessAttempt
        from django.utils import timezone

        for _ in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "alice", "wrong-password")
        assert _login(client, "alice", PASSWORD).status_code == 429
        AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(hours=1))
        assert _login(client, "alice", PASSWORD).status_code == 302


class TestPasswordReset:
    def test_a_person_resets_their_password_by_email_end_to_end(self, client, world) -> None:
        response = client.post(reverse("accounts:password_reset"), {"email": "bob@example.org"})
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        link = re.search(r"http://testserver(/reinitialiser/\S+)", mail.outbox[0].body)
        assert link, mail.outbox[0].body
        form_page = client.get(link.group(1), follow=True)
        assert form_page.status_code == 200
        new_password = "a-brand-new-secret-77"
        done = client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": new_password, "new_password2": new_password},
        )
        assert done.status_code == 302
        client.logout()
        assert _login(client, "bob", new_password).status_code == 302

    def test_it_refuses_a_weak_new_password(self, client, world) -> None:
        client.force_login(world.bob)
        response = client.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "12345678",
                "new_password2": "12345678",
            },
        )
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()

    def test_it_sends_nothing_for_an_unknown_address(self, client, world) -> None:
        response = client.post(reverse("accounts:password_reset"), {"email": "x@example.org"})
        assert response.status_code == 302
        assert mail.outbox == []


class TestTwoFactor:
    def test_a_shop_that_requires_it_sends_people_to_set_it_up(self, client, world) -> None:
        world.store_a.require_2fa = True
        world.store_a.save()
        _login(client, "bob", PASSWORD)
        response = client.get(reverse("core:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:otp"))
        page = client.get(reverse("accounts:otp"))
        assert "<svg" in page.content.decode()
        email_code = _emailed_code("bob@example.org")
        device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
        bad = client.post(reverse("accounts:otp"), {"email_code": email_code, "token": "000000"})
        assert "pas valable" in bad.content.decode()
        device.refresh_from_db()
        device.throttle_reset()  # as if the person waited the few seconds django-otp asks
        good = client.post(
            reverse("accounts:otp"),
            {"email_code": email_code, "token": f"{totp(device.bin_key):06d}"},
        )
        assert good.status_code == 302
        assert client.get(reverse("core:home")).status_code == 200

    def test_it_blocks_shop_pages_until_the_code_is_given(self, client, world) -> None:
        world.store_a.require_2fa = True
        world.store_a.save()
        client.force_login(world.alice)
        assert client.get(reverse("stores:people")).status_code == 302

    def test_a_person_with_a_device_confirms_at_each_login(self, client, world) -> None:
        device = TOTPDevice.objects.create(user=world.charlie, name="app", confirmed=True)
        response = _login(client, "charlie", PASSWORD)
        assert response["Location"].startswith(reverse("accounts:otp"))
        client.post(reverse("accounts:otp"), {"token": f"{totp(device.bin_key):06d}"})
        assert client.get(reverse("stores:people")).status_code == 200
