"""The ledger: movements and the levels kept beside them, FEFO, refunds, the consistency check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.catalog.models import Product
from cabas.gestion.stock.models import Lot, MovementKind, StockMovement
from cabas.gestion.stock.selectors import stock_levels_check
from cabas.gestion.stock.services import (
    MovementSpec,
    lot_dispose,
    lot_receive,
    stock_levels_fix,
    stock_movement_record,
    stock_movements_bulk_record,
)
from tests.gestion.stock.conftest import make_product

# The shop's today: a lot with a DLC before it could not come in now.
TODAY = timezone.localdate()


def level(product: Product) -> int:
    product.refresh_from_db(fields=["stock_qty"])
    return product.stock_qty


def ledger(product: Product) -> int:
    return sum(StockMovement.objects.filter(product=product).values_list("quantity", flat=True))


def lot_qty(lot: Lot) -> int:
    lot.refresh_from_db(fields=["quantity"])
    return lot.quantity


def sell(world, specs, ticket="t-1", refund_of=None):  # type: ignore[no-untyped-def]
    return stock_movements_bulk_record(
        store=world.store_a,
        specs=specs,
        occurred_at=timezone.now(),
        document_type="sale.ticket",
        document_id=ticket,
        refund_of_document_id=refund_of,
    )


def test_a_movement_updates_the_level_in_the_same_transaction(world, product):
    stock_movement_record(
        store=world.store_a,
        product=product,
        kind=MovementKind.RECEPTION,
        quantity=12,
        actor=world.diane,
    )
    stock_movement_record(
        store=world.store_a,
        product=product,
        kind=MovementKind.LOSS,
        quantity=-2,
        actor=world.diane,
        reason="Casse",
    )
    assert level(product) == ledger(product) == 10
    movement = StockMovement.objects.filter(kind=MovementKind.LOSS).get()
    assert movement.created_by == world.diane and movement.reason == "Casse"


@pytest.mark.parametrize(
    ("kind", "quantity"),
    [
        (MovementKind.SALE, 3),
        (MovementKind.RECEPTION, -3),
        (MovementKind.LOSS, 2),
        (MovementKind.ADJUSTMENT, 0),
        ("gift", 1),
    ],
)
def test_it_refuses_a_quantity_whose_sign_does_not_fit_the_kind(world, product, kind, quantity):
    with pytest.raises(ValidationError):
        stock_movement_record(
            store=world.store_a, product=product, kind=kind, quantity=quantity, actor=world.diane
        )
    assert level(product) == 0 and not StockMovement.objects.exists()


def test_it_refuses_a_product_of_another_shop(world, product):
    with pytest.raises(ValidationError), transaction.atomic():
        stock_movements_bulk_record(
            store=world.store_b,
            specs=[MovementSpec(product.pk, -1)],
            occurred_at=timezone.now(),
            document_type="sale.ticket",
            document_id="x",
        )
    assert level(product) == 0 and not StockMovement.objects.exists()


def test_a_sale_takes_the_earliest_expiring_lot_first(world, product):
    late = lot_receive(
        store=world.store_a,
        product=product,
        quantity=5,
        actor=world.diane,
        dlc=TODAY + timedelta(days=20),
    )
    undated = lot_receive(store=world.store_a, product=product, quantity=5, actor=world.diane)
    soon = lot_receive(
        store=world.store_a,
        product=product,
        quantity=3,
        actor=world.diane,
        ddm=TODAY + timedelta(days=2),
    )
    movements = sell(world, [MovementSpec(product.pk, -7)])
    assert [(m.lot_id, m.quantity) for m in movements] == [(soon.pk, -3), (late.pk, -4)]
    assert (lot_qty(soon), lot_qty(late), lot_qty(undated)) == (0, 1, 5)
    assert level(product) == 6


def test_a_sale_beyond_the_lots_is_recorded_without_a_lot_never_refused(world, product):
    lot = lot_receive(
        store=world.store_a,
        product=product,
        quantity=2,
        actor=world.diane,
        dlc=TODAY + timedelta(days=3),
    )
    movements = sell(world, [MovementSpec(product.pk, -5)])
    assert [(m.lot_id, m.quantity) for m in movements] == [(lot.pk, -2), (None, -3)]
    assert level(product) == -3 and lot_qty(lot) == 0


def test_two_lines_of_one_product_do_not_take_the_same_units_twice(world, product):
    first = lot_receive(
        store=world.store_a, product=product, quantity=2, actor=None, dlc=TODAY + timedelta(days=1)
    )
    second = lot_receive(
        store=world.store_a, product=product, quantity=5, actor=None, dlc=TODAY + timedelta(days=9)
    )
    sell(world, [MovementSpec(product.pk, -2), MovementSpec(product.pk, -2)])
    assert (lot_qty(first), lot_qty(second)) == (0, 3)


def test_a_refund_goes_back_to_the_lots_the_sale_took(world, product):
    soon = lot_receive(
        store=world.store_a, product=product, quantity=2, actor=None, dlc=TODAY + timedelta(days=1)
    )
    late = lot_receive(
        store=world.store_a, product=product, quantity=5, actor=None, dlc=TODAY + timedelta(days=9)
    )
    sell(world, [MovementSpec(product.pk, -4)], ticket="sale-1")
    refund = sell(
        world,
        [MovementSpec(product.pk, 3, kind=MovementKind.REFUND)],
        ticket="refund-1",
        refund_of="sale-1",
    )
    # Undone in reverse: the 2 taken from the late lot first, then 1 to the early one.
    assert [(m.lot_id, m.quantity) for m in refund] == [(late.pk, 2), (soon.pk, 1)]
    assert (lot_qty(soon), lot_qty(late), level(product)) == (1, 5, 6)


def test_two_partial_refunds_never_give_the_same_units_back_to_a_lot_twice(world, product):
    soon = lot_receive(
        store=world.store_a, product=product, quantity=2, actor=None, dlc=TODAY + timedelta(days=1)
    )
    late = lot_receive(
        store=world.store_a, product=product, quantity=5, actor=None, dlc=TODAY + timedelta(days=9)
    )
    sell(world, [MovementSpec(product.pk, -4)], ticket="sale-1")  # 2 from each lot
    refund = [MovementSpec(product.pk, 2, kind=MovementKind.REFUND)]
    first = sell(world, refund, ticket="refund-1", refund_of="sale-1")
    second = sell(world, refund, ticket="refund-2", refund_of="sale-1")
    third = sell(world, refund, ticket="refund-3", refund_of="sale-1")  # more than was sold
    assert [(m.lot_id, m.quantity) for m in first] == [(late.pk, 2)]
    assert [(m.lot_id, m.quantity) for m in second] == [(soon.pk, 2)]
    assert [(m.lot_id, m.quantity) for m in third] == [(None, 2)]
    assert (lot_qty(soon), lot_qty(late), level(product)) == (2, 5, 9)


def test_a_refund_of_an_unknown_sale_comes_back_without_a_lot(world, product):
    movements = sell(
        world,
        [MovementSpec(product.pk, 2, kind=MovementKind.REFUND)],
        ticket="refund-2",
        refund_of="never-seen",
    )
    assert [(m.lot_id, m.quantity) for m in movements] == [(None, 2)]
    assert level(product) == 2


def test_a_five_line_ticket_costs_a_handful_of_statements(world, rayon):
    products = [make_product(world.store_a, rayon, name=f"Produit {i}") for i in range(5)]
    for p in products[:3]:
        lot_receive(
            store=world.store_a, product=p, quantity=10, actor=None, dlc=TODAY + timedelta(days=5)
        )
    # As the till intake gives them: with the product's weight, so no query reads it.
    specs = [MovementSpec(p.pk, -2, unit_weight=(p.unit, p.net_weight_g)) for p in products]
    with CaptureQueriesContext(connection) as queries:
        movements = sell(world, specs, ticket="fast")
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
    ]
    # lots (locked), products (one UPDATE), movements (one INSERT), lots (one UPDATE)
    assert len(statements) <= 4, statements
    assert len(movements) == 5 and all(m.pk for m in movements)
    assert [level(p) for p in products] == [8, 8, 8, -2, -2]


def test_disposing_of_an_expired_lot_writes_one_expiry_movement(world, product):
    lot = lot_receive(
        store=world.store_a,
        product=product,
        quantity=4,
        actor=None,
        dlc=TODAY - timedelta(days=1),
        received_at=timezone.now() - timedelta(days=10),  # came in fresh, expired since
    )
    movement = lot_dispose(lot=lot, actor=world.diane)
    assert movement is not None
    assert (movement.kind, movement.quantity, movement.lot_id) == (MovementKind.EXPIRY, -4, lot.pk)
    assert (movement.document_type, movement.document_id) == ("stock.lot", str(lot.pk))
    assert lot_qty(lot) == 0 and level(product) == 0
    assert lot_dispose(lot=lot, actor=world.diane) is None  # twice changes nothing


def test_a_lot_has_a_dlc_or_a_ddm_not_both(world, product):
    with pytest.raises(ValidationError):
        lot_receive(
            store=world.store_a, product=product, quantity=1, actor=None, dlc=TODAY, ddm=TODAY
        )


def test_the_check_finds_a_tampered_level_and_fix_restores_it_with_an_audit_event(world, product):
    lot = lot_receive(store=world.store_a, product=product, quantity=9, actor=None, dlc=TODAY)
    other = make_product(world.store_a, product.category, name="Riz")
    stock_movement_record(
        store=world.store_a, product=other, kind=MovementKind.DONATION, quantity=4, actor=None
    )
    assert stock_levels_check(store=world.store_a) == []

    Product.objects.filter(pk=product.pk).update(stock_qty=7)  # tampered behind the ledger
    Lot.objects.filter(pk=lot.pk).update(quantity=100)
    found = stock_levels_check(store=world.store_a)
    assert {(d.kind, d.pk, d.stored, d.ledger) for d in found} == {
        ("product", product.pk, 7, 9),
        ("lot", lot.pk, 100, 9),
    }

    stock_levels_fix(store=world.store_a, differences=found, actor=None)
    assert (level(product), lot_qty(lot), level(other)) == (9, 9, 4)
    assert stock_levels_check(store=world.store_a) == []
    assert AuditEvent.objects.filter(action="stock.level_fixed").count() == 2


def test_the_check_command_exits_1_on_a_difference_and_fixes_it(world, product, capsys):
    stock_movement_record(
        store=world.store_a, product=product, kind=MovementKind.RECEPTION, quantity=3, actor=None
    )
    call_command("check_stock")
    Product.objects.filter(pk=product.pk).update(stock_qty=0)
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_stock", "--store", world.store_a.slug)
    assert exit_info.value.code == 1
    assert level(product) == 0
    with pytest.raises(SystemExit):
        call_command("check_stock", "--fix")
    assert level(product) == 3
    call_command("check_stock")  # clean now: no exit
    assert "Spaghetti" in capsys.readouterr().out


def test_the_platform_admin_cannot_add_change_or_delete_a_movement(world, product, rf):
    from django.contrib import admin

    stock_movement_record(
        store=world.store_a, product=product, kind=MovementKind.RECEPTION, quantity=1, actor=None
    )
    model_admin = admin.site._registry[StockMovement]
    request = rf.get("/")
    request.user = world.alice
    movement = StockMovement.objects.get()
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, movement)
    assert not model_admin.has_delete_permission(request, movement)
