"""The product picker: its search answers the current shop's products by name, brand or
barcode and nothing of another shop; its field takes a chosen id or typed text, and refuses
anything not of the shop in French, never with a server error."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.urls import reverse

from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.picker import RESULTS, ProductPickerField
from cabas.gestion.catalog.services import category_create, product_archive, product_create

pytestmark = pytest.mark.django_db

NUTELLA = "3017620422003"


@pytest.fixture
def products(world: Any) -> dict[str, Product]:
    store = world.store_a
    rayon = category_create(store=store, name="Épicerie sucrée")
    fruits = category_create(store=store, name="Fruits")

    def make(name: str, **extra: Any) -> Product:
        return product_create(
            store=store,
            actor=None,
            name=name,
            category=extra.pop("category", rayon),
            price_cents=100,
            **extra,
        )

    return {
        "spread": make("Pâte à tartiner", brand="Nutella", barcodes=[NUTELLA]),
        "jam": make("Confiture de fraises", brand="Bonne Maman"),
        "jam2": make("Confiture d'abricots", brand="Bonne Maman"),
        "pears": make("Poires", category=fruits, unit="kg"),
    }


def search(client: Any, query: str, url: str = "") -> dict[str, Any]:
    response = client.get(url or reverse("catalog:product_picker"), {"q": query})
    assert response.status_code == 200
    return response.json()


def labels(answer: dict[str, Any]) -> list[str]:
    return [result["label"] for result in answer["results"]]


def test_the_search_finds_by_name_brand_and_barcode(alice_client, products) -> None:
    assert labels(search(alice_client, "pate")) == ["Pâte à tartiner (Nutella)"]
    assert labels(search(alice_client, "bonne maman")) == [
        "Confiture d'abricots (Bonne Maman)",
        "Confiture de fraises (Bonne Maman)",
    ]
    scanned = search(alice_client, NUTELLA)
    assert scanned["exact"] == products["spread"].pk and len(scanned["results"]) == 1
    assert search(alice_client, "poires")["results"][0]["detail"] == "Fruits · au kg"
    assert search(alice_client, "0000000000000") == {
        "query": "0000000000000",
        "exact": None,
        "more": False,
        "results": [],
    }
    assert search(alice_client, "")["results"] == []


def test_the_search_leaves_out_archived_products_and_says_when_there_are_more(
    alice_client, world, products
) -> None:
    product_archive(product=products["jam"], actor=None)
    assert labels(search(alice_client, "confiture")) == ["Confiture d'abricots (Bonne Maman)"]
    rayon = products["spread"].category
    for i in range(RESULTS + 1):
        product_create(
            store=world.store_a,
            actor=None,
            name=f"Biscuit {i:02d}",
            category=rayon,
            price_cents=100,
        )
    answer = search(alice_client, "biscuit")
    assert answer["more"] is True and len(answer["results"]) == RESULTS


def test_charlie_finds_nothing_of_shop_a(client, world, products) -> None:
    client.force_login(world.charlie)
    assert search(client, "pate")["results"] == []
    assert search(client, NUTELLA) == {
        "query": NUTELLA,
        "exact": None,
        "more": False,
        "results": [],
    }


def test_a_cashier_may_not_search_the_catalogue(client, world, products) -> None:
    client.force_login(world.bob)
    assert client.get(reverse("catalog:product_picker"), {"q": "pate"}).status_code == 403


class PickForm(forms.Form):
    product = ProductPickerField(label="Produit")

    def __init__(self, *args: Any, store: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].limit_to(store)  # type: ignore[attr-defined]


def picked(world: Any, data: dict[str, str], store: Any = None) -> Any:
    form = PickForm(data, store=store or world.store_a)
    return form.cleaned_data["product"] if form.is_valid() else form.errors["product"][0]


def test_the_field_takes_the_chosen_id_or_what_was_typed(world, products) -> None:
    spread = products["spread"]
    assert picked(world, {"product": str(spread.pk), "product_text": str(spread)}) == spread
    assert picked(world, {"product": str(spread.pk)}) == spread  # a row's hidden id alone
    # Without the script: a barcode, a name that only one product has, a full label.
    assert picked(world, {"product_text": f" {NUTELLA} "}) == spread
    assert picked(world, {"product_text": "tartiner"}) == spread
    assert (
        picked(world, {"product_text": "Confiture de fraises (Bonne Maman)"}) == (products["jam"])
    )
    # The text changed after a choice: the text decides.
    assert (
        picked(world, {"product": str(spread.pk), "product_text": "poires"}) == (products["pears"])
    )


def test_the_field_says_in_french_what_is_wrong(world, products) -> None:
    assert picked(world, {"product_text": ""}) == "Indiquez le produit."
    assert picked(world, {"product_text": "9999999999999"}) == (
        "Aucun produit de l'épicerie n'a ce code-barres."
    )
    assert picked(world, {"product_text": "caviar"}) == "Aucun produit ne correspond à « caviar »."
    assert picked(world, {"product_text": "confiture"}).startswith(
        "2 produits correspondent à « confiture » : précisez, par exemple « Confiture"
    )
    assert picked(world, {"product": "abc", "product_text": "x"}).startswith("Ce produit n'est")


def test_the_field_refuses_another_shops_product(world, products) -> None:
    spread = products["spread"]
    # Charlie's form (shop B) posted with shop A's id, or its barcode: refused, never found.
    data = {"product": str(spread.pk), "product_text": str(spread)}
    assert picked(world, data, store=world.store_b).startswith("Ce produit n'est pas")
    assert picked(world, {"product_text": NUTELLA}, store=world.store_b) == (
        "Aucun produit de l'épicerie n'a ce code-barres."
    )


def test_charlie_cannot_receive_shop_a_product_through_the_stock_page(
    client, world, products
) -> None:
    client.force_login(world.charlie)
    response = client.post(
        reverse("stock:lot_add"),
        {
            "product": products["spread"].pk,
            "kind": "reception",
            "quantity": "3",
            "date_kind": "",
            "origin": "purchase",
        },
    )
    assert response.status_code == 200
    assert "Ce produit n&#x27;est pas dans la liste" in response.content.decode()
    products["spread"].refresh_from_db()
    assert products["spread"].stock_qty == 0


def test_the_widget_renders_a_text_field_with_the_chosen_product(world, products) -> None:
    spread = products["spread"]
    form = PickForm(initial={"product": spread.pk}, store=world.store_a)
    html = str(form["product"])
    assert f'name="product" value="{spread.pk}" data-picker-value' in html
    assert 'name="product_text" value="Pâte à tartiner (Nutella)"' in html
    assert 'id="id_product"' in html and reverse("catalog:product_picker") in html
    assert "<option" not in html


def test_a_name_typed_out_finds_its_product_among_many_longer_ones(world, products) -> None:
    rayon = products["jam"].category
    milk = product_create(
        store=world.store_a, actor=None, name="Lait", category=rayon, price_cents=100
    )
    for i in range(60):
        product_create(
            store=world.store_a, actor=None, name=f"Lait {i:02d}", category=rayon, price_cents=1
        )
    assert picked(world, {"product_text": "LAIT"}) == milk
    assert picked(world, {"product_text": "lait 0"}).startswith(
        "15 produits correspondent"
    )  # 00–09, 10…50
    assert picked(world, {"product_text": "lai"}).startswith("Plus de 50 produits correspondent")
