"""In a real browser: a stock manager records a food bank's donation among hundreds of
products with the picker — a few letters and the arrows, a barcode scanner that types the code
and Enter (which chooses the product, never sends the form), Escape to close the list; at 390 px
the list still fits the screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.purchasing.models import Delivery, SupplierKind
from cabas.gestion.purchasing.services import supplier_create
from tests.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICKPEAS = "3560070976478"


def test_a_donation_among_hundreds_of_products_by_search_and_scan(browser_page, world) -> None:
    store = world.store_a
    rayon = category_create(store=store, name="Épicerie")
    for i in range(300):  # the drop-down of old had them all
        product_create(
            store=store, actor=None, name=f"Conserve n°{i:03d}", category=rayon, price_cents=100
        )
    lentils = product_create(
        store=store, actor=None, name="Lentilles vertes 500 g", category=rayon, price_cents=180
    )
    chickpeas = product_create(
        store=store,
        actor=None,
        name="Pois chiches 400 g",
        brand="Cassegrain",
        category=rayon,
        price_cents=150,
        barcodes=[CHICKPEAS],
    )
    supplier_create(
        store=store,
        actor=None,
        data={"name": "Banque alimentaire", "kind": SupplierKind.FOOD_BANK},
    )

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, "diane")
    page.goto(page.base_url + reverse("purchasing:donation_create"))
    page.get_by_label("Donateur ou programme").select_option(label="Banque alimentaire")

    # A few letters: the list opens; the arrows pick, Enter chooses and moves on.
    first = page.get_by_role("combobox", name="Produit reçu — ligne 1")
    first.click()
    page.keyboard.type("lentil")
    listbox = page.get_by_role("listbox")
    listbox.get_by_role("option", name="Lentilles vertes 500 g").wait_for()
    assert first.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert first.get_attribute("aria-activedescendant")
    shot(page, "01-search-list-open")
    page.keyboard.press("Enter")
    quantity = page.get_by_label("Quantité reçue — ligne 1")
    assert quantity.evaluate("el => el === document.activeElement")
    assert first.input_value() == "Lentilles vertes 500 g"
    assert first.get_attribute("aria-expanded") == "false"
    page.keyboard.type("10")

    # The scanner: 15 ms a key, then Enter. The product is chosen; the form is not sent.
    second = page.get_by_role("combobox", name="Produit reçu — ligne 2")
    second.click()
    page.keyboard.type(CHICKPEAS, delay=15)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-label') === 'Quantité reçue — ligne 2'"
    )
    assert second.input_value() == "Pois chiches 400 g (Cassegrain)"
    assert page.url.endswith(reverse("purchasing:donation_create"))
    assert not Delivery.objects.exists()
    page.keyboard.type("24")

    # Escape closes the list; what is left typed (nothing chosen) is refused in French.
    third = page.get_by_role("combobox", name="Produit reçu — ligne 3")
    third.click()
    page.keyboard.type("conserve n°0")
    listbox.get_by_role("option").first.wait_for()
    assert "Plus de 20 produits" in page.locator("[data-picker-status]").nth(2).inner_text()
    page.keyboard.press("Escape")
    assert third.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    shot(page, "02-rows-filled")
    page.get_by_role("button", name="Enregistrer le don").click()
    page.wait_for_load_state()
    assert page.get_by_text("Plus de 50 produits correspondent à « conserve n°0 »").is_visible()
    assert not page.get_by_text("Choisissez le produit reçu").count()
    assert not Delivery.objects.exists()
    shot(page, "03-ambiguous-row-refused")

    # The third row emptied, the donation is recorded with the two products chosen.
    page.get_by_role("combobox", name="Produit reçu — ligne 3").fill("")
    page.get_by_label("Quantité reçue — ligne 3").fill("")
    page.get_by_role("button", name="Enregistrer le don").click()
    page.wait_for_load_state()
    lines = {line.product: line.quantity for line in Delivery.objects.get().lines.all()}
    assert lines == {lentils: 10, chickpeas: 24}

    # At 390 px the list of a row stays on the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.base_url + reverse("purchasing:donation_create"))
    row = page.get_by_role("combobox", name="Produit reçu — ligne 1")
    row.click()
    page.keyboard.type("pois")
    page.get_by_role("option", name="Pois chiches 400 g (Cassegrain)").wait_for()
    shot(page, "04-390-list-open")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
