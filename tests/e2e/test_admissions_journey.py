"""In a real browser: a social worker opens a partner's link on a phone (an expired one, then
another shop's), sends a referral and sees only its reference, then is stopped after 20 sends
in a minute; the manager's committee page at 1366 px decides and prints its minutes."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest

from cabas.gestion.admissions import services
from cabas.gestion.admissions.models import Referral
from cabas.gestion.beneficiaries.models import Household
from tests.conftest import shot, sign_in
from tests.gestion.admissions.factories import make_link, make_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_referral(page) -> None:
    page.fill("#id_referrer_name", "Sophie Martin")
    page.fill("#id_referrer_email", "sophie@ccas.example.org")
    page.fill("#id_last_name", "Benali")
    page.fill("#id_first_name", "Nadia")
    page.fill("#id_adults", "1")
    page.fill("#id_children", "2")
    page.fill("#id_income_cents", "1100")
    page.fill("#id_charges_cents", "820,50")
    page.fill("#id_reason", "Dettes d'énergie")
    page.check("#id_consent")


def test_a_partner_sends_a_referral_on_a_phone(browser_page, world) -> None:
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    expired = make_link(world.store_a, world.alice, service="CCAS de Lyon")
    expired.expires_on = world.store_a.today() - timedelta(days=1)
    expired.save()
    page.goto(page.base_url + f"/orientation/{services.partner_link_token(expired)}/")
    assert page.get_by_text("Ce lien d'orientation a expiré").is_visible()
    shot(page, "01-expired-link")

    link_b = make_link(world.store_b, world.charlie, service="Association du quartier B")
    url_b = page.base_url + f"/orientation/{services.partner_link_token(link_b)}/"
    page.goto(url_b)
    assert page.get_by_text("Épicerie B").first.is_visible()
    # Bad input first: a French message on the field.
    _fill_referral(page)
    page.fill("#id_birth_date", "9999-12-31")
    page.get_by_role("button", name="Envoyer la fiche").click()
    page.wait_for_load_state()
    assert page.get_by_text("Choisissez une date entre 1900 et 2100.").is_visible()
    shot(page, "02-bad-date")
    page.fill("#id_birth_date", "1985-04-12")
    page.check("#id_consent")
    page.get_by_role("button", name="Envoyer la fiche").click()
    page.wait_for_load_state()
    referral = Referral.objects.get()
    assert referral.store == world.store_b
    assert page.locator(".reference").inner_text() == referral.reference
    html = page.content()
    assert "Benali" not in html and "Nadia" not in html and "Dettes" not in html
    shot(page, "03-sent")

    # 20 sends a minute from one address (two above), then the French message.
    page.goto(url_b)
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    for _n in range(18):
        response = page.request.post(url_b, form={"csrfmiddlewaretoken": token, "adults": "0"})
        assert response.status == 200
    _fill_referral(page)
    page.get_by_role("button", name="Envoyer la fiche").click()
    page.wait_for_load_state()
    assert page.get_by_text("Trop de fiches ont été envoyées depuis cette adresse").is_visible()
    shot(page, "04-throttled")
    assert Referral.objects.count() == 1
    assert not Referral.objects.filter(store=world.store_a).exists()


def test_the_committee_page_decides_and_prints_its_minutes(browser_page, world) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    first = make_referral(world.store_a, world.alice)
    make_referral(world.store_a, world.alice, last_name="Durand", income_cents=300000)
    sign_in(page, "alice")
    page.locator("nav.sections").get_by_role("link", name="Admissions").click()
    page.wait_for_load_state()
    shot(page, "01-queue")
    page.get_by_role("link", name="Commission", exact=True).click()
    page.fill("#id_members", "Alice, CCAS de Lyon")
    page.get_by_role("button", name="Préparer la commission").click()
    page.wait_for_load_state()
    assert page.get_by_text("sous le seuil de 10,00").first.is_visible()
    shot(page, "02-committee")
    card = page.locator("article.agenda", has_text=first.reference)
    card.get_by_label("Admis").check()
    card.get_by_label("Durée des droits").select_option("6")
    card.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_load_state()
    assert page.get_by_text(
        f"Décision enregistrée pour l'orientation {first.reference}."
    ).is_visible()
    other = page.locator("article.agenda", has_text="DURAND")
    other.get_by_label("Refusé").check()
    other.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_load_state()
    assert page.get_by_text("Indiquez le motif du refus.").is_visible()
    other = page.locator("article.agenda", has_text="DURAND")
    other.get_by_label("Refusé").check()
    other.get_by_label("Motif").fill("Reste à vivre au-dessus du seuil")
    other.get_by_role("button", name="Enregistrer la décision").click()
    page.wait_for_load_state()
    shot(page, "03-decided")
    household = Household.objects.get()
    assert household.last_name == "Benali" and household.monthly_budget_cents == 3000
    href = page.get_by_role("link", name="Compte rendu (PDF)").get_attribute("href")
    response = page.request.get(page.base_url + href)
    assert response.headers["content-type"] == "application/pdf"
    (page.shots / "04-minutes.pdf").write_bytes(response.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(page.shots / "04-minutes.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Admis : 6 mois" in text and "Refusé : Reste à vivre" in text
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "70",
            "-f",
            "1",
            "-l",
            "1",
            str(page.shots / "04-minutes.pdf"),
            str(page.shots / "04-minutes"),
        ],
        check=True,
    )
