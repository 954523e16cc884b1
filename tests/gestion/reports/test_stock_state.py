"""The stock state, at today or any past date, equals replaying the ledger; slow movers, lots
near their DLC and losses by cause."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cabas.gestion.catalog.models import Unit
from cabas.gestion.reports.periods import Period
from cabas.gestion.reports.stock_selectors import (
    end_of_day,
    losses_by_cause,
    lots_near_dlc,
    product_levels_at,
    slow_movers,
    stock_state,
)
from cabas.gestion.stock.models import LossCause, MovementKind, StockMovement
from cabas.gestion.stock.services import loss_record, lot_receive, stock_movement_record
from tests.gestion.reports.conftest import Catalogue, local

pytestmark = pytest.mark.django_db


def _ledger(c: Catalogue) -> None:
    s = c.store
    lot_receive(store=s, product=c.pasta, quantity=100, actor=None, received_at=local(2026, 1, 5))
    lot_receive(
        store=s,
        product=c.rice,
        quantity=40,
        actor=None,
        kind="donation",
        origin="donation",
        received_at=local(2026, 1, 10),
    )
    lot_receive(
        store=s, product=c.apples, quantity=12_500, actor=None, received_at=local(2026, 1, 12)
    )
    lot_receive(store=s, product=c.soap, quantity=10, actor=None, received_at=local(2026, 1, 12))
    # Sales: 30 spaghetti on 20 January, 10 more at 23:30 local on 31 January (still January),
    # 2.5 kg of apples on 1 February at 00:30 local (February).
    stock_movement_record(
        store=s,
        product=c.pasta,
        kind=MovementKind.SALE,
        quantity=-30,
        actor=None,
        occurred_at=local(2026, 1, 20),
    )
    stock_movement_record(
        store=s,
        product=c.pasta,
        kind=MovementKind.SALE,
        quantity=-10,
        actor=None,
        occurred_at=local(2026, 1, 31, 23, 30),
    )
    stock_movement_record(
        store=s,
        product=c.apples,
        kind=MovementKind.SALE,
        quantity=-2_500,
        actor=None,
        occurred_at=local(2026, 2, 1, 0, 30),
    )
    stock_movement_record(
        store=s,
        product=c.rice,
        kind=MovementKind.ADJUSTMENT,
        quantity=-4,
        actor=None,
        occurred_at=local(2026, 2, 3),
    )


def test_the_state_at_the_end_of_january_counts_the_sale_at_23_30_local(world, catalogue):
    _ledger(catalogue)
    state = stock_state(world.store_a, date(2026, 1, 31))
    rows = {r[0]: r[1:] for r in state.by_category.rows}
    # Pâtes: 60 spaghetti (60 × 90 = 5400 cost, 60 × 150 = 9000 full) + 40 rice (4800 / 8000).
    assert rows["Épicerie salée › Pâtes, riz"] == [100, 0, 5400 + 4800, 9000 + 8000]
    assert rows["Épicerie salée"] == [10, 0, 1000, 2500]
    # 12.5 kg of apples at 1.80 / 3.00 per kilo.
    assert rows["Fruits et légumes › Fruits frais"] == [0, 12_500, 2250, 3750]
    assert state.by_category.totals == ["Total", 110, 12_500, 13_450, 23_250]


def test_the_state_by_origin_names_the_programme(world, catalogue):
    _ledger(catalogue)
    state = stock_state(world.store_a, date(2026, 2, 28))
    rows = {r[0]: r[1:] for r in state.by_origin.rows}
    assert rows["achat"] == [70, 0, 60 * 90 + 10 * 100, 60 * 150 + 10 * 250]
    assert rows["autre don"] == [36, 0, 36 * 120, 36 * 200]
    assert rows["aide européenne (FSE+)"] == [0, 10_000, 1800, 3000]


def test_before_any_movement_the_stock_is_empty(world, catalogue):
    _ledger(catalogue)
    state = stock_state(world.store_a, date(2026, 1, 4))
    assert state.by_category.rows == []
    assert state.by_category.totals == ["Total", 0, 0, 0, 0]


@pytest.mark.parametrize(
    "day",
    [date(2026, 1, 5), date(2026, 1, 19), date(2026, 1, 31), date(2026, 2, 1), date(2026, 3, 1)],
)
def test_the_state_at_any_past_date_equals_replaying_the_ledger(world, catalogue, day):
    _ledger(catalogue)
    loss_record(store=world.store_a, product=catalogue.soap, quantity=2, cause="casse", actor=None)
    end = end_of_day(day, world.store_a.timezone)
    replay: dict[int, int] = {}
    for movement in StockMovement.objects.filter(store=world.store_a).order_by("occurred_at", "id"):
        if movement.occurred_at < end:
            replay[movement.product_id] = replay.get(movement.product_id, 0) + movement.quantity
    assert product_levels_at(world.store_a, day) == replay
    products = {
        p.pk: p for p in (catalogue.pasta, catalogue.rice, catalogue.apples, catalogue.soap)
    }
    full = 0
    for product_id, level in replay.items():
        product = products[product_id]
        full += level * product.price_cents // (1000 if product.unit == Unit.KG else 1)
    state = stock_state(world.store_a, day)
    assert (state.by_category.totals or [])[-1] == full


def test_today_matches_the_products_denormalised_levels(world, catalogue):
    _ledger(catalogue)
    today = timezone.localdate()
    levels = product_levels_at(world.store_a, today)
    for product in (catalogue.pasta, catalogue.rice, catalogue.apples, catalogue.soap):
        product.refresh_from_db()
        assert levels[product.pk] == product.stock_qty


def test_slow_movers_are_products_in_stock_with_no_recent_sale(world, catalogue):
    _ledger(catalogue)
    table = slow_movers(world.store_a, date(2026, 3, 15), idle_days=30)
    names = table.column("product")
    # Spaghetti last sold 31/01, apples 01/02: both idle for 30 days on 15/03; rice and soap
    # never sold. Sorted by value at cost: spaghetti 5400, rice 4320, apples 1800, soap 1000.
    assert names == ["Spaghetti", "Riz", "Pommes", "Savon"]
    assert table.rows[0][4] == date(2026, 1, 31)
    recent = slow_movers(world.store_a, date(2026, 2, 10), idle_days=30)
    assert recent.column("product") == ["Riz", "Savon"]


def test_lots_near_their_dlc_show_days_left_and_value(world, catalogue):
    today = timezone.localdate()
    lot_receive(
        store=world.store_a,
        product=catalogue.pasta,
        quantity=5,
        actor=None,
        dlc=today + timedelta(days=3),
    )
    lot_receive(
        store=world.store_a,
        product=catalogue.apples,
        quantity=1_500,
        actor=None,
        dlc=today - timedelta(days=1),
        received_at=timezone.now() - timedelta(days=10),  # came in fresh, expired since
    )
    lot_receive(
        store=world.store_a,
        product=catalogue.rice,
        quantity=5,
        actor=None,
        dlc=today + timedelta(days=30),
    )
    table = lots_near_dlc(world.store_a, today, within_days=7)
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in table.rows] == [
        ("Pommes", -1, None, 1_500, 450),
        ("Spaghetti", 3, 5, None, 750),
    ]


def test_losses_are_grouped_by_cause_with_their_value(world, catalogue):
    _ledger(catalogue)
    s = world.store_a
    loss_record(store=s, product=catalogue.soap, quantity=2, cause=LossCause.BREAKAGE, actor=None)
    loss_record(
        store=s,
        product=catalogue.soap,
        quantity=1,
        cause=LossCause.THEFT,
        actor=None,
        detail="rayon du fond",
    )
    loss_record(store=s, product=catalogue.pasta, quantity=3, cause=LossCause.BREAKAGE, actor=None)
    lot = lot_receive(
        store=s, product=catalogue.apples, quantity=500, actor=None, dlc=timezone.localdate()
    )
    from cabas.gestion.stock.services import lot_dispose

    lot_dispose(lot=lot, actor=None)
    today = timezone.localdate()
    table = losses_by_cause(s, Period(today - timedelta(days=1), today, s.timezone))
    rows = {r[0]: r[1:] for r in table.rows}
    assert rows["Casse"] == [2, 5, 0, 2 * 100 + 3 * 90, 2 * 250 + 3 * 150]
    assert rows["Vol ou disparition"] == [1, 1, 0, 100, 250]
    assert rows["Date dépassée (destruction)"] == [1, 0, 500, 90, 150]
