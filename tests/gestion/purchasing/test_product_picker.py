"""The pickers of purchasing: an order's lines search only what its supplier sells, and
charlie finds nothing of shop A's suppliers; a donation typed without the script (names and
barcodes in the rows' text fields) is recorded; the reception page ships no 400-option list."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cabas.gestion.catalog.services import barcode_attach, product_create
from cabas.gestion.purchasing.models import Delivery

pytestmark = pytest.mark.django_db


def test_an_orders_picker_searches_only_the_suppliers_products(shop, diane_client) -> None:
    url = reverse("purchasing:supplier_products", kwargs={"supplier_id": shop.supplier.pk})
    product_create(
        store=shop.world.store_a,
        actor=None,
        name="Riz basmati",
        category=shop.rice.category,
        price_cents=300,
    )  # in the shop, not sold by the supplier
    answer = diane_client.get(url, {"q": "riz"}).json()
    assert [result["label"] for result in answer["results"]] == ["Riz long 1 kg"]
    order = shop.order(pasta=1)
    page = diane_client.get(reverse("purchasing:order_detail", args=[order.pk])).content.decode()
    assert f'data-picker-url="{url}"' in page


def test_charlie_gets_a_404_for_shop_a_suppliers_products(shop, client) -> None:
    client.force_login(shop.world.charlie)
    url = reverse("purchasing:supplier_products", kwargs={"supplier_id": shop.supplier.pk})
    assert client.get(url, {"q": "riz"}).status_code == 404


def test_a_donation_typed_without_the_script_is_recorded(shop, diane_client) -> None:
    barcode_attach(product=shop.oil, code="3270190207924")
    data = {
        "donor": shop.food_bank.pk,
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product_text": "3270190207924",  # scanned into the field, no script
        "lines-0-quantity": "24",
        "lines-1-product_text": "pommes golden",
        "lines-1-quantity": "2,5",
        "lines-2-product_text": "",
    }
    response = diane_client.post(reverse("purchasing:donation_create"), data)
    assert response.status_code == 302, response.content.decode()
    lines = {line.product: line.quantity for line in Delivery.objects.get().lines.all()}
    assert lines == {shop.oil: 24, shop.apples: 2500}


def test_a_row_whose_text_finds_nothing_says_so_and_records_nothing(shop, diane_client) -> None:
    data = {
        "donor": shop.food_bank.pk,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product_text": "caviar",
        "lines-0-quantity": "1",
    }
    response = diane_client.post(reverse("purchasing:donation_create"), data)
    assert response.status_code == 200
    assert "Aucun produit ne correspond à « caviar »." in response.content.decode()
    assert not Delivery.objects.exists()


def test_the_donation_page_lists_no_product_options(shop, world: Any, client) -> None:
    for i in range(30):
        product_create(
            store=world.store_a,
            actor=None,
            name=f"Conserve {i}",
            category=shop.rice.category,
            price_cents=100,
        )
    client.force_login(world.diane)
    page = client.get(reverse("purchasing:donation_create")).content.decode()
    assert "Conserve 1" not in page and page.count("data-picker-input") == 8
