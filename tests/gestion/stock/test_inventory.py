"""Inventory counts: scope, scanning, movements during the count, validation, states."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cabas.gestion.catalog.services import category_create
from cabas.gestion.stock.models import CountState, InventoryCountLine, MovementKind, StockMovement
from cabas.gestion.stock.selectors import stock_levels_check
from cabas.gestion.stock.services import (
    MovementSpec,
    inventory_count_cancel,
    inventory_count_create,
    inventory_count_line_set,
    inventory_count_scan,
    inventory_count_start,
    inventory_count_validate,
    stock_movement_record,
    stock_movements_bulk_record,
)
from tests.gestion.stock.conftest import make_product


def receive(world, product, quantity):  # type: ignore[no-untyped-def]
    stock_movement_record(
        store=world.store_a,
        product=product,
        kind=MovementKind.RECEPTION,
        quantity=quantity,
        actor=None,
    )


def sell(world, product, quantity, occurred_at=None):  # type: ignore[no-untyped-def]
    stock_movements_bulk_record(
        store=world.store_a,
        specs=[MovementSpec(product.pk, -quantity)],
        occurred_at=occurred_at or timezone.now(),
        document_type="sale.ticket",
        document_id=f"t-{timezone.now().timestamp()}",
    )


def started(world, categories=()):  # type: ignore[no-untyped-def]
    count = inventory_count_create(
        store=world.store_a, actor=world.diane, name="Rayon pâtes", categories=categories
    )
    return inventory_count_start(count=count, actor=world.diane)


def line_of(count, product) -> InventoryCountLine:  # type: ignore[no-untyped-def]
    return count.lines.get(product=product)


def test_a_count_of_a_rayon_covers_its_sous_rayons_only(world, rayon, product):
    other = category_create(store=world.store_a, name="Boissons")
    make_product(world.store_a, other, name="Jus")
    count = started(world, categories=[rayon.parent])
    assert list(count.lines.values_list("product__name", flat=True)) == ["Spaghetti"]
    whole = started(world)
    assert whole.lines.count() == 2


def test_scanning_adds_one_piece_and_typing_a_quantity_adds_it(world, product):
    receive(world, product, 10)
    count = started(world)
    inventory_count_scan(count=count, code="3017620422003", actor=world.diane)
    result = inventory_count_scan(count=count, code="3017620422003", actor=world.diane, quantity=6)
    assert (result.line.counted, result.added, result.line.expected_at_start) == (7, 6, 10)
    inventory_count_line_set(line=line_of(count, product), counted=9, actor=world.diane)
    assert line_of(count, product).counted == 9


def test_an_unknown_code_or_a_product_out_of_scope_is_refused_in_french(world, rayon, product):
    drinks = category_create(store=world.store_a, name="Boissons")
    make_product(world.store_a, drinks, name="Jus", barcodes=["5449000000996"])
    count = started(world, categories=[rayon])
    with pytest.raises(ValidationError, match="Code inconnu"):
        inventory_count_scan(count=count, code="0000000000000", actor=world.diane)
    with pytest.raises(ValidationError, match="périmètre"):
        inventory_count_scan(count=count, code="5449000000996", actor=world.diane)


def test_validation_writes_one_adjustment_per_differing_product(world, rayon, product):
    same = make_product(world.store_a, rayon, name="Riz")
    receive(world, product, 10)
    receive(world, same, 4)
    count = started(world)
    inventory_count_line_set(line=line_of(count, product), counted=7, actor=world.diane)
    inventory_count_line_set(line=line_of(count, same), counted=4, actor=world.diane)
    movements = inventory_count_validate(count=count, actor=world.diane)
    assert [(m.product_id, m.kind, m.quantity) for m in movements] == [
        (product.pk, MovementKind.ADJUSTMENT, -3)
    ]
    assert (movements[0].document_type, movements[0].document_id) == ("stock.count", str(count.pk))
    product.refresh_from_db()
    assert product.stock_qty == 7
    count.refresh_from_db()
    assert count.state == CountState.VALIDATED
    assert stock_levels_check(store=world.store_a) == []


def test_sales_during_the_count_are_accounted_for(world, product):
    """adjustment = counted − (expected_at_start + movements between start and count time)."""
    receive(world, product, 10)
    count = started(world)
    sell(world, product, 2)  # before the shelf is counted: the counter saw 8
    inventory_count_line_set(line=line_of(count, product), counted=8, actor=world.diane)
    sell(world, product, 1)  # after the shelf was counted: not in the count
    movements = inventory_count_validate(count=count, actor=world.diane)
    assert movements == []  # 8 − (10 − 2) = 0: nothing was missing
    product.refresh_from_db()
    assert product.stock_qty == 7
    assert line_of(count, product).adjustment == 0


def test_a_till_ticket_that_happened_before_the_count_but_arrived_after_is_included(world, product):
    receive(world, product, 10)
    count = started(world)
    inventory_count_line_set(line=line_of(count, product), counted=5, actor=world.diane)
    # An offline till sold 3 an hour ago; its ticket reaches the server only now.
    sell(world, product, 3, occurred_at=timezone.now() - timedelta(hours=1))
    (movement,) = inventory_count_validate(count=count, actor=world.diane)
    assert movement.quantity == 5 - (10 - 3)
    product.refresh_from_db()
    assert product.stock_qty == 5


def test_uncounted_lines_are_left_alone_unless_counted_as_zero(world, rayon, product):
    lost = make_product(world.store_a, rayon, name="Riz")
    receive(world, product, 3)
    receive(world, lost, 2)
    count = started(world)
    inventory_count_line_set(line=line_of(count, product), counted=3, actor=world.diane)
    assert inventory_count_validate(count=count, actor=world.diane) == []
    again = started(world)
    inventory_count_line_set(line=line_of(again, product), counted=3, actor=world.diane)
    (movement,) = inventory_count_validate(count=again, actor=world.diane, zero_uncounted=True)
    assert (movement.product_id, movement.quantity) == (lost.pk, -2)


def test_states_follow_the_allowed_transitions(world, product):
    count = inventory_count_create(store=world.store_a, actor=world.diane, name="")
    assert count.state == CountState.DRAFT and count.name.startswith("Inventaire du")
    with pytest.raises(ValidationError):
        inventory_count_validate(count=count, actor=world.diane)
    inventory_count_start(count=count, actor=world.diane)
    inventory_count_cancel(count=count, actor=world.diane)
    count.refresh_from_db()
    assert count.state == CountState.CANCELLED
    with pytest.raises(ValidationError):
        inventory_count_start(count=count, actor=world.diane)
    with pytest.raises(ValidationError, match="pas en cours"):
        inventory_count_scan(count=count, code="3017620422003", actor=world.diane)
    assert not StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()


def test_validating_twice_writes_the_adjustments_once(world, product):
    receive(world, product, 10)
    count = started(world)
    inventory_count_line_set(line=line_of(count, product), counted=6, actor=world.diane)
    inventory_count_validate(count=count, actor=world.diane)
    with pytest.raises(ValidationError):
        inventory_count_validate(count=count, actor=world.diane)
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 1


def test_a_draft_count_is_named_after_the_shop_s_date_not_the_server_s(world, monkeypatch):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    world.store_a.timezone = "America/Guadeloupe"  # UTC-4: still 30 April at 02:00 UTC
    world.store_a.save(update_fields=["timezone"])
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 5, 1, 2, 0, tzinfo=UTC))
    count = inventory_count_create(store=world.store_a, actor=world.diane, name="")
    assert count.name == "Inventaire du 30/04/2026"
