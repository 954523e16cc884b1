"""A small shop whose kilograms are computed by hand, made through the real services.

January 2026 (Europe/Paris), what comes in:
- spaghetti (500 g a piece): 10 from the food bank (DLC 20/01, so sold first), 20 bought;
- lentils 4/4 (800 g, tagged pulses and EGalim): 10 of EU aid (FSE+);
- apples (by the kilo, rayon « Fruits et légumes »): 12,5 kg of ramasse;
- soap (no weight known): 10 bought.
Received: 5 + 10 + 8 + 12,5 = 35,5 kg, and 10 pieces without weight.

What goes out: a ticket of 12 spaghetti (10 from the food bank's lot, 2 bought), 5 lentils,
2,5 kg of apples and 3 soaps; one spaghetti given back (to the bought lot it came from last);
1 spaghetti broken (bought), 1 kg of apples spoiled (ramasse). In February, 1 more spaghetti.
Distributed: 5,5 kg of spaghetti (5 food bank, 0,5 bought) + 4 kg lentils (EU aid) + 2,5 kg
apples (ramasse) = 12 kg; 3 soaps without weight. Lost: 0,5 + 1 = 1,5 kg.
Full-price value distributed: 11 × 1,50 + 5 × 1,29 + 2,5 × 3,00 + 3 × 2,50 = 37,95 €.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.stock.models import LossCause, MovementKind
from cabas.gestion.stock.services import (
    MovementSpec,
    lot_receive,
    stock_movement_record,
    stock_movements_bulk_record,
)
from cabas.gestion.stores.models import Store
from tests.gestion.reports.conftest import local


@dataclass
class WeightsShop:
    store: Store
    pasta: Product
    lentils: Product
    apples: Product
    soap: Product


def make_weights_shop(store: Store) -> WeightsShop:
    epicerie = category_create(store=store, name="Épicerie salée")
    pates = category_create(store=store, name="Pâtes, riz", parent=epicerie)
    conserves = category_create(store=store, name="Conserves", parent=epicerie)
    fruits = category_create(store=store, name="Fruits et légumes")

    def product(name, category, price, **extra):  # type: ignore[no-untyped-def]
        return product_create(
            store=store, actor=None, name=name, category=category, price_cents=price, **extra
        )

    shop = WeightsShop(
        store=store,
        pasta=product("Spaghetti 500 g", pates, 150, net_weight_g=500),
        lentils=product(
            "Lentilles 4/4", conserves, 129, net_weight_g=800, tags=["legumineuses", "egalim"]
        ),
        apples=product("Pommes", fruits, 300, unit="kg"),
        soap=product("Savon", epicerie, 250),
    )
    jan5 = local(2026, 1, 5, 9)

    def receive(product, quantity, origin, dlc=None, programme="", kind=MovementKind.DONATION):  # type: ignore[no-untyped-def]
        return lot_receive(
            store=store,
            product=product,
            quantity=quantity,
            actor=None,
            kind=kind,
            dlc=dlc,
            origin=origin,
            programme=programme,
            received_at=jan5,
        )

    receive(shop.pasta, 10, "food_bank", dlc=date(2026, 1, 20))
    bought = receive(shop.pasta, 20, "purchase", dlc=date(2026, 6, 1), kind=MovementKind.RECEPTION)
    receive(shop.lentils, 10, "eu_aid", programme="FSE+")
    ramasse = receive(shop.apples, 12_500, "supermarket")
    receive(shop.soap, 10, "purchase", kind=MovementKind.RECEPTION)

    def sell(specs, ticket, when, refund_of=None):  # type: ignore[no-untyped-def]
        stock_movements_bulk_record(
            store=store,
            specs=specs,
            occurred_at=when,
            document_type="sale.ticket",
            document_id=ticket,
            refund_of_document_id=refund_of,
        )

    sell(
        [
            MovementSpec(shop.pasta.pk, -12),
            MovementSpec(shop.lentils.pk, -5),
            MovementSpec(shop.apples.pk, -2500),
            MovementSpec(shop.soap.pk, -3),
        ],
        "t-1",
        local(2026, 1, 10),
    )
    sell(
        [MovementSpec(shop.pasta.pk, 1, kind=MovementKind.REFUND)],
        "t-2",
        local(2026, 1, 11),
        refund_of="t-1",
    )
    stock_movement_record(
        store=store,
        product=shop.pasta,
        kind=MovementKind.LOSS,
        quantity=-1,
        actor=None,
        lot=bought,
        occurred_at=local(2026, 1, 15),
        reason=str(LossCause.BREAKAGE.label),
    )
    stock_movement_record(
        store=store,
        product=shop.apples,
        kind=MovementKind.LOSS,
        quantity=-1000,
        actor=None,
        lot=ramasse,
        occurred_at=local(2026, 1, 16),
        reason=f"{LossCause.SPOILED.label} : talées",
    )
    sell([MovementSpec(shop.pasta.pk, -1)], "t-3", local(2026, 2, 2))
    return shop
