from __future__ import annotations

import pytest

from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.stores.models import Store


@pytest.fixture
def rayon(world) -> Category:  # type: ignore[no-untyped-def]
    epicerie = category_create(store=world.store_a, name="Épicerie salée")
    return category_create(store=world.store_a, name="Pâtes, riz", parent=epicerie)


def make_product(store: Store, category: Category, name: str = "Spaghetti", **extra) -> Product:  # type: ignore[no-untyped-def]
    extra.setdefault("price_cents", 150)
    extra.setdefault("cost_cents", 90)
    return product_create(store=store, actor=None, name=name, category=category, **extra)


@pytest.fixture
def product(world, rayon) -> Product:  # type: ignore[no-untyped-def]
    return make_product(world.store_a, rayon, barcodes=["3017620422003"])


@pytest.fixture
def diane_client(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world.diane)
    return client
