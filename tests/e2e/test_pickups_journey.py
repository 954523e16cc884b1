"""In a real browser the size of a phone (390×844): diane records a collection round at a
supermarket's back door (a crate of fruit weighed by family, yoghurts by product with their DLC
and temperature, chilled goods refused for a broken cold chain), validates it into stock;
alice then downloads the donor's certificate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cabas.gestion.catalog.models import Product
from cabas.gestion.pickups.models import Collection, CollectionState
from cabas.gestion.stock.models import Lot
from tests.conftest import shot, sign_in
from tests.gestion.pickups.conftest import ean, make_pickups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_collection_round_is_entered_on_a_phone_and_goes_into_stock(browser_page, world) -> None:
    pickups = make_pickups(world.store_a)
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "diane")
    page.get_by_role("button", name="Menu").click()  # on a phone the sections fold behind it
    page.locator("nav.sections").get_by_role("link", name="Ramasses").click()
    page.wait_for_load_state()
    page.select_option("#id_donor", label="Supermarché du Centre")
    shot(page, "01-start")
    page.get_by_role("button", name="Commencer une ramasse").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Ramasse chez Supermarché du Centre").is_visible()

    # A crate of fruit and vegetables, weighed for its family; some of it spoiled.
    page.get_by_label("Fruits et légumes").check()
    page.fill("#id_weight", "14,2")
    page.get_by_label("Sans date").check()
    page.locator("summary", has_text="Marchandise refusée").click()
    page.fill("#id_refused", "1,3")
    page.select_option("#id_refused_reason", label="produit altéré (moisi, écrasé)")
    shot(page, "02-crate-typed")
    page.get_by_role("button", name="Ajouter la ligne").click()
    page.wait_for_load_state()
    assert page.get_by_text("Ligne ajoutée : Fruits et légumes, 14,2\u00a0kg.").is_visible()

    # Yoghurts by product, typed with a temperature too warm at first: refused.
    dlc = timezone.localdate() + timedelta(days=8)
    page.get_by_label("Produits frais ❄").check()
    page.fill("#id_weight", "4,8")
    page.fill("#id_temperature", "7,5")
    page.fill("#id_date", dlc.isoformat())
    page.locator("summary", has_text="Un produit précis").click()
    page.fill("#id_code", ean(world.store_a.pk, 1))
    page.fill("#id_quantity", "24")
    page.get_by_role("button", name="Ajouter la ligne").click()
    page.wait_for_load_state()
    assert page.get_by_text("la chaîne du froid est rompue").is_visible()
    shot(page, "03-cold-chain-refused")
    page.fill("#id_temperature", "3,5")
    page.get_by_role("button", name="Ajouter la ligne").click()
    page.wait_for_load_state()
    assert page.get_by_text("Ligne ajoutée : Produits frais, 4,8\u00a0kg.").is_visible()

    # A box of chilled goods that came in warm: all of it refused.
    page.get_by_label("Produits frais ❄").check()
    page.fill("#id_temperature", "11")
    page.get_by_label("Sans date").check()
    page.locator("summary", has_text="Marchandise refusée").click()
    page.fill("#id_refused", "6")
    page.select_option("#id_refused_reason", label="chaîne du froid rompue")
    page.get_by_role("button", name="Ajouter la ligne").click()
    page.wait_for_load_state()
    assert "Refusé : 7,3\u00a0kg" in page.locator("#totals").inner_text()
    shot(page, "04-three-lines")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide: it scrolls sideways on a phone"

    page.get_by_role("button", name="Valider la ramasse").click()
    page.wait_for_load_state()
    assert page.get_by_text("Ramasse validée").is_visible()
    shot(page, "05-validated")
    collection = Collection.objects.get()
    assert collection.state == CollectionState.VALIDATED
    assert Product.objects.get(pk=pickups.yoghurt.pk).stock_qty == 24
    assert Product.objects.get(pk=pickups.produce_bulk.pk).stock_qty == 14_200
    assert Lot.objects.get(product=pickups.yoghurt).dlc == dlc

    page.context.clear_cookies()  # diane leaves; alice signs in
    sign_in(page, "alice")
    page.goto(page.base_url + "/ramasses/attestations/")
    shot(page, "06-certificates")
    link = page.get_by_role("link", name="Attestation (PDF)")
    response = page.request.get(page.base_url + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    (page.shots / "07-certificate.pdf").write_bytes(response.body())
