"""The second factor cannot be skipped: whoever must give a code reaches no page before it (typing
another URL included), the platform admin asks for it too, and a password alone cannot set up a
first authenticator."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabas.gestion.accounts.models import User
from tests.conftest import PASSWORD
from tests.gestion.beneficiaries.matrix import household_a
from tests.gestion.matrix import all_rows

# Reachable before the code: the code page, signing out, the health check.
OPEN_BEFORE_THE_CODE = {"accounts:otp", "accounts:logout", "core:healthz"}


def _password_only(client, username: str):
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _emailed_code(address: str) -> str:
    sent = [message for message in mail.outbox if address in message.to]
    assert sent, "no set-up code was e-mailed"
    found = re.search(r"^\s+(\d{8})$", sent[-1].body, re.MULTILINE)
    assert found, sent[-1].body
    return found.group(1)


def _is_sent_to_the_code_page(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp"))


@pytest.mark.parametrize(
    "row",
    [row for row in all_rows() if row.url_name not in OPEN_BEFORE_THE_CODE],
    ids=lambda row: f"{row.method}:{row.url_name}",
)
def test_a_person_with_an_authenticator_reaches_no_page_before_the_code(row, world, client) -> None:
    TOTPDevice.objects.create(user=world.alice, name="app", confirmed=True)
    _password_only(client, "alice")
    kwargs = row.kwargs(world) if row.kwargs else {}
    data = row.data(world) if row.data else {}
    response = getattr(client, row.method)(reverse(row.url_name, kwargs=kwargs), data)
    assert _is_sent_to_the_code_page(response), (row.url_name, response.status_code)


def test_the_household_export_waits_for_the_code_even_if_the_shop_does_not_ask(
    world, client
) -> None:
    assert not world.store_a.require_2fa
    device = TOTPDevice.objects.create(user=world.alice, name="app", confirmed=True)
    _password_only(client, "alice")
    export = reverse("beneficiaries:export", kwargs=household_a(world))
    response = client.get(export)
    assert _is_sent_to_the_code_page(response)
    assert response["Location"] == f"{reverse('accounts:otp')}?{urlencode({'next': export})}"
    client.post(reverse("accounts:otp"), {"token": f"{totp(device.bin_key):06d}"})
    assert client.get(export).status_code == 200


def test_the_code_page_sends_on_to_the_page_first_asked(world, client) -> None:
    device = TOTPDevice.objects.create(user=world.alice, name="app", confirmed=True)
    _password_only(client, "alice")
    people = reverse("stores:people")
    asked = client.get(people)
    done = client.post(asked["Location"], {"token": f"{totp(device.bin_key):06d}"})
    assert done.status_code == 302
    assert done["Location"] == people


def test_the_code_page_never_sends_on_to_another_site(world, client) -> None:
    device = TOTPDevice.objects.create(user=world.alice, name="app", confirmed=True)
    _password_only(client, "alice")
    done = client.post(
        reverse("accounts:otp") + "?next=https://evil.example/",
        {"token": f"{totp(device.bin_key):06d}"},
    )
    assert done["Location"] == "/"


def test_the_till_api_is_not_behind_the_session_second_factor(world, client) -> None:
    TOTPDevice.objects.create(user=world.alice, name="app", confirmed=True)
    _password_only(client, "alice")
    # A session is no way into the API: a device token is, and its absence is a 401.
    assert client.get("/api/pos/v1/snapshot").status_code == 401


class TestPlatformAdmin:
    @pytest.fixture
    def root(self, db) -> User:
        return User.objects.create_superuser("root", "root@example.org", PASSWORD)

    def test_a_superuser_with_only_the_password_is_sent_to_the_code_page(
        self, root, world, client
    ) -> None:
        _password_only(client, "root")
        for url in (reverse("admin:index"), reverse("admin:accounts_user_changelist")):
            assert _is_sent_to_the_code_page(client.get(url)), url

    def test_a_superuser_sets_up_an_authenticator_then_opens_the_admin(
        self, root, world, client
    ) -> None:
        _password_only(client, "root")
        client.get(reverse("accounts:otp"))
        device = TOTPDevice.objects.get(user=root, confirmed=False)
        client.post(
            reverse("accounts:otp"),
            {
                "email_code": _emailed_code("root@example.org"),
                "token": f"{totp(device.bin_key):06d}",
            },
        )
        assert client.get(reverse("admin:index")).status_code == 200
        assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200

    def test_the_admin_refuses_a_session_that_skipped_the_code_anyway(
        self, root, world, rf
    ) -> None:
        # Behind the middleware, the site itself asks for a verified person.
        from django.contrib import admin

        request = rf.get(reverse("admin:index"))
        request.user = root
        request.user.is_verified = lambda: False
        assert not admin.site.has_permission(request)
        request.user.is_verified = lambda: True
        assert admin.site.has_permission(request)

    def test_the_admin_login_page_is_the_sites_own(self, world, client) -> None:
        response = client.get(reverse("admin:login"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))

    def test_a_shop_manager_gets_a_plain_refusal_not_a_redirect_loop(self, world, client) -> None:
        _password_only(client, "alice")
        assert client.get(reverse("admin:index"), follow=True).status_code == 403


class TestFirstAuthenticator:
    @pytest.fixture(autouse=True)
    def shop_requires_it(self, world) -> None:
        world.store_a.require_2fa = True
        world.store_a.save()

    def test_a_password_thief_cannot_set_up_their_own_authenticator(self, world, client) -> None:
        _password_only(client, "bob")
        client.get(reverse("accounts:otp"))
        device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
        token = f"{totp(device.bin_key):06d}"
        without = client.post(reverse("accounts:otp"), {"token": token})
        assert without.status_code == 200
        assert "errorlist" in without.content.decode()
        guessed = client.post(reverse("accounts:otp"), {"email_code": "12345678", "token": token})
        assert "reçu par e-mail n’est pas valable" in guessed.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
        assert _is_sent_to_the_code_page(client.get(reverse("stores:people")))

    def test_five_wrong_email_codes_spend_it(self, world, client) -> None:
        _password_only(client, "bob")
        client.get(reverse("accounts:otp"))
        real = _emailed_code("bob@example.org")
        wrong = "00000000" if real != "00000000" else "11111111"
        for _ in range(5):
            client.post(reverse("accounts:otp"), {"email_code": wrong, "token": "000000"})
        device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
        late = client.post(
            reverse("accounts:otp"), {"email_code": real, "token": f"{totp(device.bin_key):06d}"}
        )
        assert "n’est pas valable" in late.content.decode()
        device.refresh_from_db()
        assert not device.confirmed

    def test_a_new_code_can_be_asked_and_the_old_one_no_longer_works(self, world, client) -> None:
        _password_only(client, "bob")
        client.get(reverse("accounts:otp"))
        first = _emailed_code("bob@example.org")
        client.post(reverse("accounts:otp"), {"resend": "1"})
        second = _emailed_code("bob@example.org")
        assert len(mail.outbox) == 2
        device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
        token = f"{totp(device.bin_key):06d}"
        if first != second:
            stale = client.post(reverse("accounts:otp"), {"email_code": first, "token": token})
            assert "n’est pas valable" in stale.content.decode()
        ok = client.post(reverse("accounts:otp"), {"email_code": second, "token": token})
        assert ok.status_code == 302

    def test_the_page_does_not_send_a_code_at_each_visit(self, world, client) -> None:
        _password_only(client, "bob")
        client.get(reverse("accounts:otp"))
        client.get(reverse("accounts:otp"))
        assert len(mail.outbox) == 1
        assert "8 chiffres" in mail.outbox[0].body or _emailed_code("bob@example.org")

    def test_a_person_without_an_email_address_is_told_whom_to_ask(self, world, client) -> None:
        world.bob.email = ""
        world.bob.save(update_fields=["email"])
        _password_only(client, "bob")
        page = client.get(reverse("accounts:otp")).content.decode()
        assert "adresse e-mail" in page
        assert 'name="token"' not in page
        assert mail.outbox == []

    def test_the_key_for_typing_by_hand_is_base32(self, world, client) -> None:
        _password_only(client, "bob")
        page = client.get(reverse("accounts:otp")).content.decode()
        device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
        shown = re.search(r"<code>([A-Z2-7 ]+)</code>", page)
        assert shown, page
        key = shown.group(1).replace(" ", "")
        assert base64.b32decode(key + "=" * (-len(key) % 8)) == device.bin_key
