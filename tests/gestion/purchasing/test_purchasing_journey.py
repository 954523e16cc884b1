"""In a real browser: a stock manager turns the suggestion into an order, sends it, receives
part of it; the stock and the product's history follow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cabas.gestion.purchasing.models import OrderState, PurchaseOrder
from tests.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_suggestion_then_send_then_partial_reception_updates_stock_and_history(
    browser_page, shop
) -> None:
    now = timezone.now()
    shop.stock_up(shop.pasta, 30)
    for day in range(21):  # 21 coquillettes sold in three weeks
        shop.sell(shop.pasta, 1, now - timedelta(days=day, hours=2))
    page = browser_page
    sign_in(page, "diane")
    page.locator("nav.sections").get_by_role("link", name="Fournisseurs et commandes").click()
    page.get_by_role("link", name="Suggestions de commande").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("Grossiste du Rhône").first.is_visible()
    assert page.get_by_text("Pâtes coquillettes 500 g").is_visible()
    shot(page, "01-suggestions")

    page.get_by_role("button", name="Créer le brouillon de commande").click()
    page.wait_for_load_state()
    assert page.get_by_text("Brouillon créé").is_visible()
    order = PurchaseOrder.objects.get()
    pasta_row = page.locator("#order-lines tr", has_text="Pâtes coquillettes")
    pasta_row.locator("input[name=packs]").fill("5")
    pasta_row.get_by_role("button", name="OK").click()
    page.wait_for_load_state()
    assert order.lines.get(product=shop.pasta).packs == 5
    shot(page, "02-draft-edited")

    page.get_by_role("button", name="Envoyer la commande par e-mail").click()
    page.wait_for_load_state()
    assert page.locator("#order-state").inner_text() == "envoyée"
    assert "envoyé le" in page.locator("#order-email").inner_text()
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments
    shot(page, "03-sent")

    page.get_by_role("button", name="Réceptionner une livraison").click()
    page.wait_for_load_state()
    rows = page.locator("#reception-form tbody tr")
    pasta_row = rows.filter(has=page.locator("td:first-child", has_text="Pâtes coquillettes"))
    pasta_row.locator("input[name$=quantity]").fill("48")
    pasta_row.locator("input[name$=dlc]").fill("2027-03-31")
    pasta_row.locator("input[name$=damaged_note]").fill("2 paquets percés, refusés")
    for name in ("Pommes Golden", "Riz long 1 kg"):  # not delivered this time
        row = rows.filter(has=page.locator("td:first-child", has_text=name))
        row.locator("input[name$=quantity]").fill("0")
    shot(page, "04-reception-form")
    page.get_by_role("button", name="Enregistrer la livraison").click()
    page.wait_for_load_state()
    assert page.get_by_text("Livraison enregistrée").is_visible()
    shot(page, "05-delivery")

    order.refresh_from_db()
    assert order.state == OrderState.PARTLY_RECEIVED
    shop.pasta.refresh_from_db()
    assert shop.pasta.stock_qty == 30 - 21 + 48

    page.get_by_role("link", name=order.reference).click()
    page.wait_for_load_state()
    assert page.locator("#order-state").inner_text() == "reçue en partie"
    shot(page, "06-order-partly-received")

    page.locator("#order-lines").get_by_role("link", name="Pâtes coquillettes 500 g").click()
    page.wait_for_load_state()
    assert page.locator("#product-stock").inner_text() == "57"
    first = page.locator("#movements tbody tr").first
    assert "Réception" in first.inner_text() and "+48" in first.inner_text()
    assert first.get_by_role("link", name="Livraison").count() == 1
    shot(page, "07-product-history")
