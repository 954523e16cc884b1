"""In a real browser: a stock manager counts a rayon with a barcode scanner (which types the
code and Enter into the focused field), validates, and finds the adjustment in the product's
history, linked to the count."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.stock.models import MovementKind, StockMovement
from cabas.gestion.stock.services import lot_receive
from tests.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTA = "3017620422003"
RICE = "3560070048212"


def test_a_stock_manager_counts_a_rayon_by_scanning_and_sees_the_adjustment(
    browser_page, world
) -> None:
    store = world.store_a
    epicerie = category_create(store=store, name="Épicerie salée")
    pates = category_create(store=store, name="Pâtes, riz", parent=epicerie)
    boissons = category_create(store=store, name="Boissons")
    pasta = product_create(
        store=store,
        actor=None,
        name="Spaghetti 500 g",
        category=pates,
        price_cents=95,
        cost_cents=60,
        barcodes=[PASTA],
    )
    rice = product_create(
        store=store,
        actor=None,
        name="Riz long 1 kg",
        category=pates,
        price_cents=180,
        cost_cents=120,
        barcodes=[RICE],
    )
    product_create(store=store, actor=None, name="Jus d'orange", category=boissons, price_cents=150)
    lot_receive(store=store, product=pasta, quantity=5, actor=None, source_label="Banque")
    lot_receive(store=store, product=rice, quantity=4, actor=None)

    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "diane")
    page.locator("nav.sections").get_by_role("link", name="Stock").click()
    page.get_by_role("link", name="Inventaires").click()
    page.get_by_role("button", name="Nouvel inventaire").click()
    page.fill("#id_name", "Rayon pâtes")
    page.get_by_label("Épicerie salée › Pâtes, riz").check()
    shot(page, "01-new-count")
    page.get_by_role("button", name="Créer et commencer le comptage").click()
    page.wait_for_load_state()
    assert "Jus d'orange" not in page.content()  # another rayon

    scan = page.locator("[data-scan-input]")
    for _ in range(3):  # the scanner types the code and Enter, three packets on the shelf
        page.keyboard.type(PASTA)
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.value === ''"
        )
    page.locator(".scan-ok").get_by_text("compté 3").wait_for()
    assert scan.evaluate("el => el === document.activeElement")
    page.fill("input[name=quantity]", "4")
    page.locator("[data-scan-input]").fill(RICE)
    page.locator("[data-scan-input]").press("Enter")
    page.locator(".scan-ok").get_by_text("Riz long 1 kg").wait_for()
    page.keyboard.type("0000000000000")
    page.keyboard.press("Enter")
    page.locator(".scan-error").get_by_text("Code inconnu").wait_for()
    shot(page, "02-scanning")

    pasta_row = page.locator("tr.differs")
    assert pasta_row.count() == 1 and "-2" in pasta_row.inner_text()
    assert "-1,20" in page.locator(".count-lines").inner_text()  # value of the difference
    page.get_by_role("button", name="Valider l'inventaire").click()
    page.wait_for_load_state()
    assert page.get_by_text("Inventaire validé").is_visible()
    shot(page, "03-validated")

    movement = StockMovement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (movement.product_id, movement.quantity) == (pasta.pk, -2)
    try:
        product_url = reverse("catalog:product_detail", args=[pasta.pk])
    except NoReverseMatch:
        product_url = reverse("stock:product_movements", args=[pasta.pk])
    page.goto(page.base_url + product_url)
    history = page.locator("table.movements").first
    assert "ajustement d'inventaire" in history.inner_text()
    shot(page, "04-product-history")
    history.get_by_role("link", name="Inventaire").first.click()
    page.wait_for_load_state()
    assert "Rayon pâtes" in page.content() and "validé" in page.content()
    shot(page, "05-count-from-history")


def test_a_product_in_two_lots_is_counted_lot_by_lot_with_a_live_summary(
    browser_page, world
) -> None:
    from datetime import timedelta

    from cabas.gestion.stock.models import Lot

    store = world.store_a
    rayon = category_create(store=store, name="Épicerie")
    pasta = product_create(
        store=store,
        actor=None,
        name="Spaghetti 500 g",
        category=rayon,
        price_cents=95,
        cost_cents=60,
        barcodes=[PASTA],
    )
    today = store.today()
    soon = lot_receive(
        store=store, product=pasta, quantity=5, actor=None, dlc=today + timedelta(days=10)
    )
    later = lot_receive(
        store=store, product=pasta, quantity=7, actor=None, dlc=today + timedelta(days=40)
    )
    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "diane")
    page.goto(page.base_url + reverse("stock:count_add"))
    page.fill("#id_name", "Inventaire par lot")
    page.get_by_role("button", name="Créer et commencer le comptage").click()
    page.wait_for_load_state()
    summary = page.locator("#count-summary")
    assert "0 écart" in summary.inner_text()
    page.get_by_text("par lot (2 lots)").click()
    page.get_by_label("Quantité comptée de Spaghetti 500 g, " + str(soon)).fill("5")
    page.get_by_label("Quantité comptée de Spaghetti 500 g, " + str(soon)).press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#count-summary').innerText.includes('1 produit(s)')"
    )
    later_input = page.get_by_label("Quantité comptée de Spaghetti 500 g, " + str(later))
    later_input.fill("3")
    later_input.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('#count-summary').innerText.includes('1 écart')"
    )
    assert "2,40" in summary.inner_text()  # 4 missing × 0,60 € at cost
    assert "-4" in page.locator("tr.differs").inner_text()
    shot(page, "06-count-by-lot-live-summary")
    page.get_by_role("button", name="Valider l'inventaire").click()
    page.wait_for_load_state()
    assert page.get_by_text("Inventaire validé").is_visible()
    shot(page, "07-count-by-lot-validated")
    assert dict(Lot.objects.filter(product=pasta).values_list("pk", "quantity")) == {
        soon.pk: 5,
        later.pk: 3,
    }
