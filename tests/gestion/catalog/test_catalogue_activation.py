from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cabas.gestion.catalog.generic import generic_paths, generic_products, generic_rayons
from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.catalog.services import (
    catalogue_activate,
    category_create,
    product_update,
)


def test_the_shipped_catalogue_is_large_curated_and_well_formed():
    products = generic_products()
    assert len(products) >= 300
    assert len({p.key for p in products}) == len(products)
    rayons = {r.name for r in generic_rayons()}
    for expected in (
        "Épicerie salée",
        "Épicerie sucrée",
        "Boissons",
        "Produits frais",
        "Surgelés",
        "Fruits et légumes",
        "Hygiène et beauté",
        "Entretien",
        "Bébé",
    ):
        assert expected in rayons
    assert all(p.unit in ("piece", "kg") and 0 < p.price_cents < 5000 for p in products)
    assert any(p.unit == "kg" for p in products)


def test_activating_chosen_categories_adds_only_their_products(world):
    result = catalogue_activate(
        store=world.store_a,
        actor=world.alice,
        categories=["Boissons", "Épicerie salée › Conserves de légumes"],
    )
    expected = [
        p
        for p in generic_products()
        if p.rayon == "Boissons" or p.sous_rayon == "Conserves de légumes"
    ]
    assert result.products_created == len(expected)
    names = set(Product.objects.filter(store=world.store_a).values_list("name", flat=True))
    assert "Haricots verts 4/4" in names and "Jus de pomme 1 L" in names
    assert "Spaghetti 500 g" not in names
    salty = Category.objects.get(store=world.store_a, name="Épicerie salée", parent=None)
    assert list(salty.children.values_list("name", flat=True)) == ["Conserves de légumes"]
    assert not Product.objects.filter(store=world.store_b).exists()


def test_activating_twice_changes_nothing(world):
    first = catalogue_activate(store=world.store_a, categories=["Bébé"], actor=world.alice)
    snapshot = list(Product.objects.filter(store=world.store_a).values_list("pk", "name"))
    second = catalogue_activate(store=world.store_a, categories=["Bébé"], actor=world.alice)
    assert first.products_created > 0
    assert second.products_created == 0 and second.categories_created == 0
    assert second.products_already_there == first.products_created
    assert list(Product.objects.filter(store=world.store_a).values_list("pk", "name")) == snapshot


def test_products_edited_by_the_shop_are_not_recreated_nor_overwritten(world):
    catalogue_activate(store=world.store_a, categories=["Bébé › Laits infantiles"])
    product = Product.objects.filter(store=world.store_a).order_by("pk").first()
    product_update(
        product=product, actor=world.alice, data={"name": "Lait bébé maison", "price_cents": 999}
    )
    catalogue_activate(store=world.store_a, categories=["Bébé"])
    product.refresh_from_db()
    assert product.name == "Lait bébé maison" and product.price_cents == 999
    assert Product.objects.filter(store=world.store_a, name="Lait bébé maison").count() == 1


def test_the_shops_own_categories_of_the_same_name_are_reused(world):
    mine = category_create(store=world.store_a, name="boissons")
    catalogue_activate(store=world.store_a, categories=["Boissons › Eaux"])
    assert Category.objects.filter(store=world.store_a, parent=None).count() == 1
    assert Category.objects.get(store=world.store_a, name="Eaux").parent == mine


def test_an_unknown_category_is_refused_in_french(world):
    with pytest.raises(ValidationError) as error:
        catalogue_activate(store=world.store_a, categories=["Jardinage"])
    assert "Rayon inconnu" in str(error.value)


def test_the_page_activates_in_one_step(alice_client, world):
    response = alice_client.get("/produits/catalogue-generique/")
    assert response.status_code == 200
    assert "Épicerie salée" in response.content.decode()
    response = alice_client.post(
        "/produits/catalogue-generique/",
        {"categories": ["Entretien", "Bébé › Repas bébé"]},
        follow=True,
    )
    assert "produits ajoutés" in response.content.decode()
    again = alice_client.post(
        "/produits/catalogue-generique/", {"categories": ["Entretien"]}, follow=True
    )
    assert "rien n&#x27;a changé" in again.content.decode()
    assert len(generic_paths()) > 20


def test_the_page_asks_for_at_least_one_category(alice_client):
    response = alice_client.post("/produits/catalogue-generique/", {})
    assert "Choisissez au moins un rayon." in response.content.decode()
