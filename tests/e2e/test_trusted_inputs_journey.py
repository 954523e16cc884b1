"""In a real browser at 1366 px: the forms of issue #21 refuse what cannot be and take kilos
for weighed goods — stock entry and loss, the product and quota forms, the ceilings, a new
person's role and the welcome e-mail sent again, a trivial PIN."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from cabas.gestion.beneficiaries.models import Quota
from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.stock.models import MovementKind, StockMovement
from tests.conftest import pick_product, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def go(page, name: str, *args: object) -> None:
    page.goto(page.base_url + reverse(name, args=args))
    page.wait_for_load_state()


def submit(page, label: str) -> None:
    page.get_by_role("button", name=label).click()
    page.wait_for_load_state()


def test_the_forms_refuse_what_cannot_be_and_take_kilos(browser_page, world) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    store = world.store_a
    frais = category_create(store=store, name="Produits frais")
    cheese = product_create(
        store=store,
        actor=None,
        name="Comté à la coupe",
        category=frais,
        price_cents=1490,
        unit="kg",
        barcodes=["3560070048212"],
    )
    sign_in(page, "alice")

    # Stock entry: a past DLC is refused, then recorded as lost on arrival.
    page.goto(page.base_url + reverse("stock:lot_add") + f"?produit={cheese.pk}")
    page.fill("#id_quantity", "12,5")
    page.select_option("#id_date_kind", "dlc")
    page.fill("#id_date", (store.today() - timedelta(days=2)).isoformat())
    submit(page, "Enregistrer l'entrée")
    assert page.get_by_text("déjà dépassée").first.is_visible()
    shot(page, "01-entry-past-dlc-refused")
    page.fill("#id_date", (store.today() + timedelta(days=20)).isoformat())
    submit(page, "Enregistrer l'entrée")
    assert page.get_by_text("Entrée enregistrée").is_visible()
    cheese.refresh_from_db()
    assert cheese.stock_qty == 12_500
    shot(page, "02-entry-12-5-kg")

    # A loss above the stock is refused unless the stock is said to be unknown.
    page.goto(page.base_url + reverse("stock:loss_add") + f"?produit={cheese.pk}")
    page.fill("#id_quantity", "50")
    submit(page, "Enregistrer la perte")
    assert page.get_by_text("le stock enregistré n'est que de 12,5").is_visible()
    shot(page, "03-loss-above-stock-refused")
    page.fill("#id_quantity", "0,75")
    submit(page, "Enregistrer la perte")
    assert StockMovement.objects.get(kind=MovementKind.LOSS).quantity == -750

    # The product form: a minimum in kilos.
    go(page, "catalog:product_edit", cheese.pk)
    page.fill("#id_min_stock", "5")
    shot(page, "04-product-minimum-in-kg")
    submit(page, "Enregistrer")
    assert Product.objects.get(pk=cheese.pk).min_stock == 5000
    go(page, "catalog:product_detail", cheese.pk)
    assert "5\u00a0kg / —" in page.inner_text("main")

    # The quota form: plain fields, no {} to fight with.
    go(page, "beneficiaries:quota_add")
    page.fill("#id_label", "Fromage")
    pick_product(page, "#id_product", "comté", "Comté à la coupe")
    page.fill("#id_base_quantity", "0,5")
    page.fill("#id_size_4", "1,5")
    shot(page, "05-quota-form")
    submit(page, "Enregistrer")
    assert Quota.objects.get().limits_by_size == {"4": 1500}

    # The ceilings: a row per origin.
    go(page, "beneficiaries:settings")
    page.fill("#id_new_programme_0", "FSE+")
    page.fill("#id_new_ceiling_0", "0")
    shot(page, "06-ceilings-per-origin")

    # A new person starts as a cashier; the welcome e-mail can go again.
    go(page, "stores:person_add")
    assert page.locator("#id_role").input_value() == "caisse"
    page.fill("#id_username", "yann")
    page.fill("#id_email", "yann@example.org")
    shot(page, "07-new-person-least-rights")
    submit(page, "Ajouter")
    page.get_by_role("row", name="yann").get_by_role("link", name="modifier").click()
    page.wait_for_load_state()
    submit(page, "Renvoyer l'invitation")
    assert page.get_by_text("Invitation renvoyée à yann@example.org.").is_visible()
    shot(page, "08-invitation-sent-again")

    # A trivial PIN is refused.
    go(page, "pos:cashier_pin", store.memberships.get(user=world.bob).pk)
    page.fill("#id_pin", "1234")
    page.fill("#id_pin_confirm", "1234")
    submit(page, "Enregistrer")
    assert page.get_by_text("suit les chiffres dans l'ordre").is_visible()
    shot(page, "09-trivial-pin-refused")


def test_a_reception_takes_kilos_and_a_household_needs_its_notice(browser_page, world) -> None:
    from cabas.gestion.purchasing.models import OrderState, PurchaseOrder
    from cabas.gestion.purchasing.services import (
        LineRequest,
        purchase_order_create,
        supplier_create,
        supplier_product_set,
    )

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    store = world.store_a
    fruits = category_create(store=store, name="Fruits et légumes")
    apples = product_create(
        store=store, actor=None, name="Pommes Golden", category=fruits, price_cents=250, unit="kg"
    )
    supplier = supplier_create(store=store, actor=None, data={"name": "Primeur du Rhône"})
    supplier_product_set(
        supplier=supplier, product=apples, actor=None, pack_size=10_000, pack_price_cents=1500
    )
    order = purchase_order_create(
        store=store, supplier=supplier, actor=None, lines=[LineRequest(apples, 2)]
    )
    PurchaseOrder.objects.filter(pk=order.pk).update(state=OrderState.SENT)
    sign_in(page, "alice")

    go(page, "purchasing:order_receive", order.pk)
    assert page.locator("#id_lines-0-quantity").input_value() == "20"  # 2 packs of 10 kg
    page.fill("#id_lines-0-quantity", "19,5")
    page.fill("#id_lines-0-dlc", (store.today() - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Enregistrer la livraison").click()
    page.wait_for_load_state()
    assert page.get_by_text("DLC déjà dépassée").is_visible()
    shot(page, "10-reception-past-dlc-on-its-row")
    page.check("#id_lines-0-expired_on_arrival")
    page.get_by_role("button", name="Enregistrer la livraison").click()
    page.wait_for_load_state()
    assert StockMovement.objects.filter(kind=MovementKind.EXPIRY, quantity=-19_500).exists()
    shot(page, "11-reception-lost-on-arrival")

    go(page, "beneficiaries:create")
    page.fill("#id_last_name", "Benali")
    page.fill("#id_adults", "1")
    page.fill("#id_birth_date", (store.today() + timedelta(days=30)).isoformat())
    submit(page, "Enregistrer")
    assert page.get_by_text("ne peut pas être dans le futur").is_visible()
    assert page.get_by_text("ne s'enregistre pas sans elle").is_visible()
    shot(page, "12-household-impossible-dates-and-notice")
