"""In a real browser: a manager activates the generic catalogue, opens a product, scans a new
barcode onto it (the USB scanner types the code and Enter into the focused field) and finds the
product again by that barcode."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCANNED = "3038350013804"


def test_a_manager_activates_the_catalogue_and_scans_a_barcode_onto_a_product(
    browser_page, world
) -> None:
    page = browser_page
    sign_in(page, "alice")
    page.locator("nav.sections").get_by_role("link", name="Produits").click()
    page.wait_for_load_state()
    assert page.get_by_text("Votre catalogue est vide.").is_visible()
    shot(page, "01-empty-catalogue")

    page.get_by_role("button", name="Ajouter le catalogue générique").click()
    page.locator("input[value='Épicerie salée']").check()
    page.locator("input[value='Boissons › Eaux']").check()
    shot(page, "02-choose-categories")
    page.get_by_role("button", name="Ajouter ces rayons à mon catalogue").click()
    page.wait_for_load_state()
    assert page.get_by_text("produits ajoutés au catalogue").is_visible()
    shot(page, "03-catalogue-activated")

    # Instant search (HTMX): typing narrows the list without a page load.
    page.fill("#id_q", "spaghetti panzani")
    page.wait_for_selector("table.products >> text=Panzani")
    expect(page.locator("table.products tbody tr")).to_have_count(1)
    shot(page, "04-instant-search")
    page.get_by_role("link", name="Spaghetti 500 g").click()
    page.wait_for_load_state()
    assert page.get_by_text("Aucun code-barres").is_visible()

    # The scan field has the focus: the scanner "types" into the page, then Enter.
    focused = page.evaluate("document.activeElement.name")
    assert focused == "code"
    shot(page, "05-product-page-ready-to-scan")
    page.keyboard.type(SCANNED)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#barcodes >> text=Code-barres {SCANNED} ajouté.")
    assert page.locator("ul.barcodes code").all_inner_texts() == [SCANNED]
    assert page.evaluate("document.activeElement.name") == "code"
    shot(page, "06-barcode-added")

    # A misread code is refused in French, and the field is ready for the next scan.
    page.keyboard.type("3038350013805")
    page.keyboard.press("Enter")
    page.wait_for_selector("#barcodes >> text=clé de contrôle fausse")
    assert page.evaluate("document.activeElement.name") == "code"
    shot(page, "07-bad-scan-refused")
    # The refused code is selected: the next scan replaces it.
    page.keyboard.type("5449000000996")
    page.keyboard.press("Enter")
    page.wait_for_selector("#barcodes >> text=Code-barres 5449000000996 ajouté.")
    assert page.locator("ul.barcodes code").all_inner_texts() == [SCANNED, "5449000000996"]

    # The product is found by its new barcode.
    page.locator("nav.tabs").get_by_role("link", name="Produits").click()
    page.fill("#id_q", SCANNED)
    expect(page.locator("table.products tbody tr")).to_have_count(1)
    assert "Spaghetti 500 g" in page.locator("table.products").inner_text()
    shot(page, "08-found-by-barcode")
