"""Shop A's purchasing world: a rayon, products, a supplier with its packs, a food bank and a
programme donor, all made through the real services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.purchasing.models import PurchaseOrder, Supplier, SupplierKind
from cabas.gestion.purchasing.services import (
    LineRequest,
    purchase_order_create,
    supplier_create,
    supplier_product_set,
)
from cabas.gestion.stock.models import MovementKind
from cabas.gestion.stock.services import lot_receive, stock_movement_record


@dataclass
class Shop:
    world: Any
    pasta: Product
    rice: Product
    oil: Product
    apples: Product  # weighed
    supplier: Supplier
    food_bank: Supplier
    programme: Supplier

    def order(self, **packs: int) -> PurchaseOrder:
        products = {"pasta": self.pasta, "rice": self.rice, "oil": self.oil, "apples": self.apples}
        return purchase_order_create(
            store=self.world.store_a,
            supplier=self.supplier,
            actor=self.world.diane,
            lines=[LineRequest(products[name], count) for name, count in packs.items()],
        )

    def sell(self, product: Product, quantity: int, when: datetime) -> None:
        stock_movement_record(
            store=self.world.store_a,
            product=product,
            kind=MovementKind.SALE,
            quantity=-quantity,
            actor=None,
            occurred_at=when,
            document=("sale.ticket", f"t-{product.pk}-{when.isoformat()}"),
        )

    def stock_up(self, product: Product, quantity: int) -> None:
        lot_receive(store=self.world.store_a, product=product, quantity=quantity, actor=None)


@pytest.fixture
def shop(world: Any) -> Shop:
    store, diane = world.store_a, world.diane
    rayon = category_create(store=store, name="Épicerie")
    fruits = category_create(store=store, name="Fruits et légumes")

    def product(name: str, **extra: Any) -> Product:
        return product_create(
            store=store,
            actor=diane,
            name=name,
            category=extra.pop("category", rayon),
            price_cents=extra.pop("price_cents", 150),
            **extra,
        )

    pasta = product("Pâtes coquillettes 500 g", min_stock=20, max_stock=60)
    rice = product("Riz long 1 kg", min_stock=10, max_stock=30)
    oil = product("Huile de tournesol 1 L")
    apples = product("Pommes Golden", category=fruits, unit="kg", min_stock=5000)
    supplier = supplier_create(
        store=store,
        actor=diane,
        data={
            "name": "Grossiste du Rhône",
            "email": "commandes@grossiste.example",
            "contact_name": "M. Martin",
            "address": "4 quai Perrache\n69002 Lyon",
            "delivery_days": [1, 3],
            "lead_time_days": 3,
            "minimum_order_cents": 5000,
        },
    )
    supplier_product_set(
        supplier=supplier,
        product=pasta,
        actor=diane,
        reference="PAT-500",
        pack_size=12,
        pack_price_cents=960,
    )
    supplier_product_set(
        supplier=supplier,
        product=rice,
        actor=diane,
        reference="RIZ-1K",
        pack_size=10,
        pack_price_cents=1450,
    )
    supplier_product_set(
        supplier=supplier,
        product=oil,
        actor=diane,
        reference="HUI-1L",
        pack_size=6,
        pack_price_cents=1290,
    )
    supplier_product_set(
        supplier=supplier,
        product=apples,
        actor=diane,
        reference="POM-GOL",
        pack_size=5000,
        pack_price_cents=750,
    )
    food_bank = supplier_create(
        store=store,
        actor=diane,
        data={"name": "Banque alimentaire du Rhône", "kind": SupplierKind.FOOD_BANK},
    )
    programme = supplier_create(
        store=store,
        actor=diane,
        data={"name": "Programme FSE+", "kind": SupplierKind.PROGRAMME, "programme": "FSE+"},
    )
    return Shop(world, pasta, rice, oil, apples, supplier, food_bank, programme)


@pytest.fixture
def diane_client(client: Any, shop: Any) -> Any:
    client.force_login(shop.world.diane)
    return client
