"""Every stock movement knows its kilograms, written with it (NULL when the weight is unknown)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from cabas.gestion.catalog.services import product_update
from cabas.gestion.stock.models import MovementKind, StockMovement
from cabas.gestion.stock.services import (
    MovementSpec,
    loss_record,
    lot_receive,
    stock_movements_bulk_record,
)
from cabas.gestion.stock.weights import movements_weigh_missing
from tests.gestion.stock.conftest import make_product

TODAY = timezone.localdate()


def grams(product):  # type: ignore[no-untyped-def]
    return list(
        StockMovement.objects.filter(product=product).order_by("id").values_list("kind", "grams")
    )


def test_a_reception_a_fefo_sale_over_two_lots_and_a_loss_carry_their_grams(world, rayon):
    pasta = make_product(world.store_a, rayon, net_weight_g=500)
    for days in (5, 9):
        lot_receive(
            store=world.store_a,
            product=pasta,
            quantity=4,
            actor=None,
            dlc=TODAY + timedelta(days=days),
        )
    stock_movements_bulk_record(
        store=world.store_a,
        specs=[MovementSpec(pasta.pk, -6)],  # 4 from the first lot, 2 from the second
        occurred_at=timezone.now(),
        document_type="sale.ticket",
        document_id="t-1",
    )
    loss_record(store=world.store_a, product=pasta, quantity=1, cause="casse", actor=None)
    assert grams(pasta) == [
        ("reception", 2000),
        ("reception", 2000),
        ("sale", -2000),
        ("sale", -1000),
        ("loss", -500),
    ]


def test_a_kg_product_weighs_its_grams_and_an_unweighed_one_stays_null(world, rayon):
    apples = make_product(world.store_a, rayon, name="Pommes", unit="kg", net_weight_g=180)
    soap = make_product(world.store_a, rayon, name="Savon")
    lot_receive(store=world.store_a, product=apples, quantity=12_500, actor=None)
    lot_receive(store=world.store_a, product=soap, quantity=10, actor=None)
    apples.refresh_from_db()
    assert apples.net_weight_g is None  # a kg product has no weight per piece
    assert grams(apples) == [(MovementKind.RECEPTION, 12_500)]
    assert grams(soap) == [(MovementKind.RECEPTION, None)]  # unknown, not zero


def test_a_weight_typed_later_weighs_the_movements_that_had_none(world, rayon):
    soap = make_product(world.store_a, rayon, name="Savon")
    lot_receive(store=world.store_a, product=soap, quantity=10, actor=None)
    product_update(product=soap, actor=None, data={"net_weight_g": 125})
    lot_receive(store=world.store_a, product=soap, quantity=2, actor=None)
    assert grams(soap) == [("reception", None), ("reception", 250)]
    assert movements_weigh_missing(store=world.store_a) == 1
    assert grams(soap) == [("reception", 1250), ("reception", 250)]
    call_command("stock_weights", "--store", world.store_a.slug, verbosity=0)  # idempotent
    assert grams(soap) == [("reception", 1250), ("reception", 250)]
