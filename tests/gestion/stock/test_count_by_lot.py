"""An inventory counted lot by lot where the product has lots, and a summary that is right
after every line saved (issue #21, item 5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cabas.gestion.stock.models import InventoryCountLotLine, Lot, MovementKind, StockMovement
from cabas.gestion.stock.selectors import count_review, stock_levels_check
from cabas.gestion.stock.services import (
    MovementSpec,
    inventory_count_create,
    inventory_count_lot_line_set,
    inventory_count_scan,
    inventory_count_start,
    inventory_count_validate,
    lot_receive,
    stock_movement_record,
    stock_movements_bulk_record,
)


def two_lots(world, product):  # type: ignore[no-untyped-def]
    today = world.store_a.today()
    soon = lot_receive(
        store=world.store_a, product=product, quantity=5, actor=None, dlc=today + timedelta(10)
    )
    later = lot_receive(
        store=world.store_a, product=product, quantity=7, actor=None, dlc=today + timedelta(40)
    )
    return soon, later


def started(world):  # type: ignore[no-untyped-def]
    count = inventory_count_create(store=world.store_a, actor=world.diane, name="Rayon pâtes")
    return inventory_count_start(count=count, actor=world.diane)


def rows_of(count):  # type: ignore[no-untyped-def]
    return {row.lot_id: row for row in InventoryCountLotLine.objects.filter(line__count=count)}


def test_a_product_in_two_lots_is_counted_per_lot_and_each_lot_is_adjusted(world, product):
    soon, later = two_lots(world, product)
    stock_movement_record(  # 2 units outside any lot
        store=world.store_a, product=product, kind=MovementKind.RECEPTION, quantity=2, actor=None
    )
    count = started(world)
    rows = rows_of(count)
    assert {k: r.expected_at_start for k, r in rows.items()} == {soon.pk: 5, later.pk: 7, None: 2}
    # The first-expiring lot is all there; the later one lacks 4; none outside the lots.
    inventory_count_lot_line_set(lot_line=rows[soon.pk], counted=5, actor=world.diane)
    line = inventory_count_lot_line_set(lot_line=rows[later.pk], counted=3, actor=world.diane)
    assert line.counted == 8
    review = count_review(count)
    assert (review.differing, review.lines[0].difference) == (1, -4)
    inventory_count_lot_line_set(lot_line=rows[None], counted=0, actor=world.diane)
    assert count_review(count).lines[0].difference == -6
    with pytest.raises(ValidationError, match="compté par lot"):
        inventory_count_scan(count=count, code="3017620422003", actor=world.diane)

    movements = inventory_count_validate(count=count, actor=world.diane)
    assert sorted((m.lot_id, m.quantity) for m in movements if m.lot_id) == [(later.pk, -4)]
    assert [m.quantity for m in movements if m.lot_id is None] == [-2]
    soon.refresh_from_db()
    later.refresh_from_db()
    product.refresh_from_db()
    assert (soon.quantity, later.quantity, product.stock_qty) == (5, 3, 8)
    assert stock_levels_check(store=world.store_a) == []
    line = count.lines.get()
    assert (line.counted, line.adjustment) == (8, -6)
    assert {k: r.adjustment for k, r in rows_of(count).items()} == {
        soon.pk: 0,
        later.pk: -4,
        None: -2,
    }


def test_a_sale_from_a_counted_lot_after_its_count_is_not_lost(world, product):
    soon, later = two_lots(world, product)
    count = started(world)
    rows = rows_of(count)
    inventory_count_lot_line_set(lot_line=rows[soon.pk], counted=4, actor=world.diane)
    inventory_count_lot_line_set(lot_line=rows[later.pk], counted=7, actor=world.diane)
    # Sold after the shelf was counted: FEFO takes it from the first lot.
    stock_movements_bulk_record(
        store=world.store_a,
        specs=[MovementSpec(product.pk, -2)],
        occurred_at=timezone.now() + timedelta(seconds=1),
        document_type="sale.ticket",
        document_id="t-after",
    )
    inventory_count_validate(count=count, actor=world.diane)
    soon.refresh_from_db()
    later.refresh_from_db()
    product.refresh_from_db()
    # 4 found, minus the 2 sold after: 2 left in the first lot; the second untouched.
    assert (soon.quantity, later.quantity, product.stock_qty) == (2, 7, 9)
    assert stock_levels_check(store=world.store_a) == []


def test_a_product_counted_as_a_whole_still_goes_first_expiring_first(world, product):
    soon, later = two_lots(world, product)
    count = started(world)
    for _ in range(10):
        inventory_count_scan(count=count, code="3017620422003", actor=world.diane)
    inventory_count_validate(count=count, actor=world.diane)
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.quantity, later.quantity) == (3, 7)
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 1


def test_the_summary_is_right_after_every_line_saved(world, product, diane_client):
    soon, later = two_lots(world, product)
    count = started(world)
    detail = reverse("stock:count_detail", args=[count.pk])
    page = diane_client.get(detail).content.decode()
    assert "0 produit(s) compté(s) sur 1" in page and "0 écart" in page
    assert "recalculer" not in page
    assert "par lot (2 lots)" in page
    row = rows_of(count)[later.pk]
    url = reverse("stock:count_lot_line_set", args=[count.pk, row.pk])
    response = diane_client.post(url, {"counted": "3"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="count-summary"' in html and 'hx-swap-oob="true"' in html
    assert "1 produit(s) compté(s) sur 1" in html
    assert "1 écart" in html and "3,60" in html  # 4 × 0,90 € at cost
    line = count.lines.get()
    response = diane_client.post(
        reverse("stock:count_line_set", args=[count.pk, line.pk]),
        {"counted": "12"},
        HTTP_HX_REQUEST="true",
    )
    assert "compté par lot" in response.content.decode()
    diane_client.post(url, {"counted": ""}, HTTP_HX_REQUEST="true")  # back to a whole count
    response = diane_client.post(
        reverse("stock:count_line_set", args=[count.pk, line.pk]),
        {"counted": "12"},
        HTTP_HX_REQUEST="true",
    )
    assert "0 écart" in response.content.decode()
    page = diane_client.get(detail).content.decode()
    assert "1 produit(s) compté(s) sur 1" in page and "0 écart" in page
    assert Lot.objects.filter(product=product).count() == 2
