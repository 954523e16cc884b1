"""In a real browser: a shop that requires two factors; bob sets up his authenticator with the
code e-mailed to him, and a manager who types another URL after the password lands on the code
page first."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_cashier_sets_up_the_second_factor_with_the_emailed_code(browser_page, world) -> None:
    world.store_a.require_2fa = True
    world.store_a.save(update_fields=["require_2fa"])
    page = browser_page
    sign_in(page, "bob")
    assert "/double-authentification/" in page.url
    shot(page, "01-set-up-page")
    assert page.get_by_text("b•••@example.org").is_visible()
    body = mail.outbox[-1].body
    code = re.search(r"^\s+(\d{8})$", body, re.MULTILINE).group(1)  # type: ignore[union-attr]
    device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
    page.fill("#id_email_code", code)
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    assert page.get_by_text("La double authentification est activée.").is_visible()
    codes = page.locator("ol.recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "02-activated-recovery-codes-shown-once")
    page.get_by_role("button", name="J'ai noté mes codes").click()
    page.wait_for_load_state()
    page.goto(page.base_url + "/compte/")
    assert page.get_by_text("Demandée par votre épicerie Épicerie A.").is_visible()
    assert page.get_by_text("Désactiver la double authentification").count() == 0
    shot(page, "03-account-the-shop-asks")

    # A lost phone: bob signs in with one of his recovery codes.
    page.context.clear_cookies()
    sign_in(page, "bob")
    page.fill("#id_token", codes[0])
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    assert page.get_by_text("Il vous en reste 9").is_visible()
    shot(page, "04-in-with-a-recovery-code")


def test_a_manager_resets_a_lost_phone_and_bob_may_switch_it_off(browser_page, world) -> None:
    TOTPDevice.objects.create(user=world.bob, name="app", confirmed=True)
    page = browser_page
    sign_in(page, "alice")
    page.goto(page.base_url + "/parametres/equipe/")
    page.get_by_role("row", name="Bob").get_by_role("link", name="modifier").click()
    page.wait_for_load_state()
    shot(page, "01-bob-has-an-authenticator")
    page.get_by_role("button", name="Réinitialiser la double authentification").click()
    page.wait_for_load_state()
    assert page.get_by_text("est réinitialisée").is_visible()
    shot(page, "02-reset")
    assert not TOTPDevice.objects.filter(user=world.bob).exists()


def test_typing_another_url_after_the_password_lands_on_the_code_page(browser_page, world) -> None:
    device = TOTPDevice.objects.create(user=world.alice, name="app", confirmed=True)
    page = browser_page
    sign_in(page, "alice")
    page.goto(page.base_url + "/parametres/equipe/")
    assert "/double-authentification/" in page.url
    assert "Bob" not in page.content()
    shot(page, "01-code-asked")
    page.fill("#id_token", f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    assert page.url.endswith("/parametres/equipe/")
    assert "Bob" in page.content()
    shot(page, "02-team-after-the-code")
