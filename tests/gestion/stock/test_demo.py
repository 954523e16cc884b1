"""The demo stock loader: dated lots for every list of the dates page, consistent, idempotent."""

from __future__ import annotations

from cabas.gestion.catalog.services import category_create
from cabas.gestion.stock.demo import load_demo_stock
from cabas.gestion.stock.models import InventoryCount, Lot, MovementKind, StockMovement
from cabas.gestion.stock.selectors import dated_lots, stock_levels_check
from tests.gestion.stock.conftest import make_product


def test_the_demo_stock_is_consistent_and_loads_once(world):
    frais = category_create(store=world.store_a, name="Produits frais")
    yaourts = category_create(store=world.store_a, name="Yaourts", parent=frais)
    sale = category_create(store=world.store_a, name="Épicerie salée")
    pates = category_create(store=world.store_a, name="Pâtes", parent=sale)
    for n in range(30):
        make_product(world.store_a, yaourts if n % 2 else pates, name=f"Produit {n}")
    users = {"stock": world.diane, "responsable": world.alice}

    load_demo_stock(world.store_a, users)
    movements = StockMovement.objects.count()
    load_demo_stock(world.store_a, users)

    assert StockMovement.objects.count() == movements > 30
    assert stock_levels_check(store=world.store_a) == []
    lots = dated_lots(world.store_a, days=3)
    assert lots.dlc_soon and lots.dlc_passed and lots.ddm_passed
    assert StockMovement.objects.filter(kind=MovementKind.LOSS).exists()
    assert InventoryCount.objects.get().lines.exists()
    assert Lot.objects.filter(store=world.store_b).count() == 0
