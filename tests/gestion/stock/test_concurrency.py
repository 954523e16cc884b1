"""Parallel writers on one product never lose an update (PostgreSQL, MariaDB and SQLite).

Each thread has its own database connection (Django's connections are per thread) and commits
its own transactions, so the test runs with ``transaction=True``.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from cabas.gestion.catalog.models import Product
from cabas.gestion.stock.models import Lot, MovementKind, StockMovement
from cabas.gestion.stock.selectors import stock_levels_check
from cabas.gestion.stock.services import (
    MovementSpec,
    lot_receive,
    stock_movement_record,
    stock_movements_bulk_record,
)
from tests.conftest import make_world
from tests.gestion.stock.conftest import make_product

THREADS = 8
PER_THREAD = 50


def serialised_on_sqlite():  # type: ignore[no-untyped-def]
    """SQLite lets one writer at a time in (a file database queues them on its busy timeout);
    the in-memory test database shares one cache between threads and answers "table is
    locked" instead of waiting, so on SQLite the test queues each transaction itself."""
    if connection.vendor == "sqlite":
        return threading.Lock()
    return contextlib.nullcontext()


def run_in_threads(work) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """Run ``work(n, gate)`` in THREADS threads started together; ``gate`` wraps each
    transaction (a lock on SQLite only)."""
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    gate = serialised_on_sqlite()

    def target(n: int) -> None:
        try:
            start.wait()
            work(n, gate)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.fixture
def shop(transactional_db):  # type: ignore[no-untyped-def]
    from cabas.gestion.catalog.services import category_create

    world = make_world()
    rayon = category_create(store=world.store_a, name="Épicerie")
    return world, make_product(world.store_a, rayon)


def test_parallel_movements_on_one_product_lose_no_update(shop):
    world, product = shop

    def work(n: int, gate) -> None:  # type: ignore[no-untyped-def]
        for i in range(PER_THREAD):
            quantity = 3 if (n + i) % 2 else -1
            kind = MovementKind.RECEPTION if quantity > 0 else MovementKind.SALE
            with gate:
                stock_movement_record(
                    store=world.store_a, product=product, kind=kind, quantity=quantity, actor=None
                )

    assert run_in_threads(work) == []
    product.refresh_from_db()
    total = sum(StockMovement.objects.filter(product=product).values_list("quantity", flat=True))
    assert StockMovement.objects.filter(product=product).count() == THREADS * PER_THREAD
    assert product.stock_qty == total == THREADS * PER_THREAD // 2 * (3 - 1)
    assert stock_levels_check(store=world.store_a) == []


def test_parallel_tickets_never_overdraw_a_lot(shop):
    world, product = shop
    lot = lot_receive(
        store=world.store_a,
        product=product,
        quantity=100,
        actor=None,
        dlc=date.today() + timedelta(days=3),
    )

    def work(n: int, gate) -> None:  # type: ignore[no-untyped-def]
        for i in range(PER_THREAD // 5):
            with gate:
                stock_movements_bulk_record(
                    store=world.store_a,
                    specs=[MovementSpec(product.pk, -1)],
                    occurred_at=timezone.now(),
                    document_type="sale.ticket",
                    document_id=f"{n}-{i}",
                )

    assert run_in_threads(work) == []
    lot.refresh_from_db()
    product.refresh_from_db()
    sold = THREADS * (PER_THREAD // 5)
    assert lot.quantity == max(100 - sold, 0)
    assert product.stock_qty == 100 - sold
    from_lot = -sum(
        StockMovement.objects.filter(lot=lot, kind=MovementKind.SALE).values_list(
            "quantity", flat=True
        )
    )
    assert from_lot == min(sold, 100)
    assert stock_levels_check(store=world.store_a) == []
    assert Lot.objects.filter(quantity__lt=0).count() == 0
    assert Product.objects.filter(pk=product.pk).exists()
