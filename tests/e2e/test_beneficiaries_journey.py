"""In a real browser: a manager admits a household, prints its card and finds it among the
active households; a cashier then looks it up and sees only its short name and budget."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from cabas.gestion.beneficiaries.models import Household
from tests.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_admits_a_household_prints_its_card_and_sees_it_active(
    browser_page, world
) -> None:
    page = browser_page
    sign_in(page, "alice")
    page.locator("nav.sections").get_by_role("link", name="Bénéficiaires").click()
    page.wait_for_load_state()
    shot(page, "01-empty-list")

    page.get_by_role("button", name="Nouveau foyer").click()
    page.fill("#id_last_name", "Benali")
    page.fill("#id_first_name", "Nadia")
    page.fill("#id_commune", "Lyon")
    page.fill("#id_adults", "1")
    page.fill("#id_children", "2")
    page.fill("#id_referrer_service", "CCAS de Lyon")
    page.fill("#id_income_cents", "1100")
    page.fill("#id_charges_cents", "820,50")
    page.fill("#id_notes", "Orientée pour six mois")
    page.select_option("#id_months", "6")
    page.check("#id_privacy_accepted")
    shot(page, "02-admission-form")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    assert page.get_by_text("Foyer BENALI N. enregistré.").is_visible()
    shot(page, "03-household-file")
    household = Household.objects.get(last_name="Benali")
    assert household.monthly_budget_cents == 3000  # 20 € + 2 × 5 €
    assert "3,11" in page.content()  # reste à vivre: (1100 − 820,50) / 3 / 30

    card = page.get_by_role("button", name="Imprimer la carte")
    response = page.request.get(page.base_url + card.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    (page.shots / "04-card.pdf").write_bytes(pdf)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "BENALI N." in text and "Épicerie A" in text
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                str(page.shots / "04-card.pdf"),
                str(page.shots / "04-card"),
            ],
            check=True,
        )

    page.get_by_role("link", name="Foyers", exact=True).click()
    page.wait_for_load_state()
    row = page.locator("table tr", has_text="BENALI N.")
    assert row.get_by_text("actif").is_visible()
    shot(page, "05-active-list")

    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, "bob")
    page.locator("nav.sections").get_by_role("link", name="Bénéficiaires").click()
    page.fill("input[name=q]", household.code.lower())
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()
    shot(page, "06-cashier-lookup")
    html = page.content()
    assert "BENALI N." in html and "30,00" in html
    assert "Orientée" not in html and "1\u202f100" not in html and "Nadia" not in html
