"""A manager reads the kilograms of the activity report and downloads the food bank's return,
at 1366 px (the screen of the shops' laptops)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import shot, sign_in
from tests.gestion.pos.conftest import till_a  # noqa: F401
from tests.gestion.reports.test_weights_path import path  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


def test_the_kilograms_and_the_food_bank_return(browser_page, world, path, output_dir) -> None:  # noqa: F811
    shop, year, quarter = path
    today = shop.store.today()
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "alice")
    page.goto(page.base_url + "/rapports/activite/")
    page.fill("#id_month", f"{today:%Y-%m}")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    assert page.get_by_role("table", name="Kilogrammes par provenance").is_visible()
    assert page.get_by_text("Kilos distribués par personne servie").first.is_visible()
    unweighed = page.get_by_role("table", name="Produits sans poids (non comptés dans les kilos)")
    assert unweighed.get_by_text("Savon").is_visible()
    shot(page, "01-activity-report-kilograms")

    page.locator(".report-tabs").get_by_role("link", name="Bilans financeurs").click()
    page.select_option("#id_kind", "foodbank")
    page.fill("#id_year", str(year))
    page.select_option("#id_quarter", str(quarter))
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_load_state()
    food_bank = page.get_by_role("table", name="Denrées de la banque alimentaire, par rayon")
    assert food_bank.is_visible()
    shot(page, "02-food-bank-return")
    with page.expect_download() as download:
        page.get_by_role("button", name="PDF").click()
    target = output_dir / "bilan-banque-alimentaire.pdf"
    download.value.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(target), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.replace("\u00a0", " ")
        assert "Kilos reçus de la banque alimentaire" in text and "15,000 kg" in text
