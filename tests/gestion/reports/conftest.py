"""A small known shop for the report tests, made through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.stores.models import Store

PARIS = ZoneInfo("Europe/Paris")


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@dataclass
class Catalogue:
    store: Store
    epicerie: Category
    pates: Category
    fruits: Category
    pommes_rayon: Category
    pasta: Product  # 150 full / 90 cost, purchase
    rice: Product  # 200 / 120, donation
    apples: Product  # kg: 300 per kg / 180 per kg cost, programme FSE+
    soap: Product  # 250 / 100, purchase, in "Épicerie" directly


def make_catalogue(store: Store) -> Catalogue:
    epicerie = category_create(store=store, name="Épicerie salée")
    pates = category_create(store=store, name="Pâtes, riz", parent=epicerie)
    fruits = category_create(store=store, name="Fruits et légumes")
    pommes = category_create(store=store, name="Fruits frais", parent=fruits)

    def product(name: str, category: Category, price: int, cost: int, **extra) -> Product:
        return product_create(
            store=store,
            actor=None,
            name=name,
            category=category,
            price_cents=price,
            cost_cents=cost,
            **extra,
        )

    return Catalogue(
        store=store,
        epicerie=epicerie,
        pates=pates,
        fruits=fruits,
        pommes_rayon=pommes,
        pasta=product("Spaghetti", pates, 150, 90),
        rice=product("Riz", pates, 200, 120, origin="donation"),
        apples=product("Pommes", pommes, 300, 180, unit="kg", origin="programme", programme="FSE+"),
        soap=product("Savon", epicerie, 250, 100),
    )


@pytest.fixture
def catalogue(world) -> Catalogue:
    return make_catalogue(world.store_a)
