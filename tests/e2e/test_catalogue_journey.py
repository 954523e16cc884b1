"""In a real browser: a manager activates the generic catalogue, opens a product, scans a new
barcode onto it (the USB scanner types the code and Enter into the focused field) and finds the
product again by that barcode; then imports a spreadsheet with a few wrong lines, reads the
preview line by line and imports the valid lines only."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cabas.gestion.catalog.models import Product
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

    # An import with a few mistakes: the preview says what changes and what is wrong, by line.
    page.locator("nav.tabs").get_by_role("link", name="Importer").click()
    page.wait_for_load_state()
    shot(page, "09-import-upload")
    pasta = "Pâtes, riz et féculents"
    content = (
        "nom;rayon;sous_rayon;prix;codes_barres\n"
        f"Spaghetti 500 g;Épicerie salée;{pasta};0,99;{SCANNED}\n"
        f"Lentilles beluga 500 g;Épicerie salée;{pasta};1,79;\n"
        "Haricots verts;Jardin;;1,00;\n"
        f"Pois chiches;Épicerie salée;{pasta};abc;\n"
        f"Quinoa 500 g;Épicerie salée;{pasta};2,50;3017620422004\n"
    )
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "produits.csv", "mimeType": "text/csv", "buffer": content.encode()}],
    )
    page.get_by_role("button", name="Voir ce qui va changer").click()
    page.wait_for_load_state()
    preview = page.locator("section.import-preview")
    assert "2 ligne(s) valide(s), 3 ligne(s) en erreur" in preview.inner_text()
    errors = page.locator("table.import-report.errors tbody tr")
    expect(errors).to_have_count(3)
    assert errors.nth(0).inner_text().startswith("4\tHaricots verts")
    assert "Rayon inconnu : « Jardin »" in errors.nth(0).inner_text()
    assert "Prix : « abc » n'est pas un montant" in errors.nth(1).inner_text()
    assert "clé de contrôle fausse" in errors.nth(2).inner_text()
    changes = page.locator("table.import-report:not(.errors) tbody tr")
    expect(changes).to_have_count(2)
    update = changes.nth(0).inner_text().replace("\u00a0", " ")
    # Two products are called "Spaghetti 500 g": the preview names the brand and the number.
    assert "Spaghetti 500 g · Panzani (n° " in update
    assert "prix plein : 1,35 € → 0,99 €" in update
    assert "création" in changes.nth(1).inner_text()
    shot(page, "10-import-preview")
    assert not Product.objects.filter(name="Lentilles beluga 500 g").exists()

    # "Valid lines only" asks first (data-confirm), then applies exactly those two lines.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Importer seulement les 2 lignes valides").click()
    page.wait_for_load_state()
    assert page.get_by_text("2 produits créés ou modifiés.").is_visible()
    shot(page, "11-import-applied")
    assert Product.objects.get(name="Lentilles beluga 500 g").price_cents == 179
    assert Product.objects.get(barcodes__code=SCANNED).price_cents == 99
    assert not Product.objects.filter(name__in=["Haricots verts", "Pois chiches"]).exists()
