"""The same ticket posted by 20 tills at once is stored once, with one spending increase
(run on PostgreSQL and MariaDB in CI as well as SQLite: `transaction=True`, real commits)."""

from __future__ import annotations

import threading

import pytest

from cabas.gestion.beneficiaries.selectors import household_spent_cents
from cabas.gestion.catalog.models import Product
from cabas.gestion.pos.models import Device
from cabas.gestion.sales.intake import ticket_batch_ingest
from cabas.gestion.sales.models import Anomaly, Ticket, TicketLine
from cabas.gestion.stock.models import StockMovement
from tests.conftest import make_world
from tests.gestion.concurrency import run_in_threads
from tests.gestion.pos.conftest import enroll_till
from tests.gestion.sales.conftest import make_shop, ticket

THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_the_same_ticket_from_20_threads_is_stored_once():
    world = make_world()
    shop = make_shop(world.store_a, world.store_a.memberships.get(user=world.bob).pk)
    device_id = enroll_till(world.store_a).device.pk
    body = ticket(shop, [(shop.pasta, 3), (shop.milk, 2)])

    def work() -> str:
        device = Device.objects.select_related("store").get(pk=device_id)
        [result] = ticket_batch_ingest(device=device, raw_tickets=[body])
        return result.status

    statuses, errors = run_in_threads(work, THREADS)
    assert errors == []
    assert sorted(statuses) == ["created"] + ["duplicate"] * (THREADS - 1)
    assert Ticket.objects.count() == 1
    assert TicketLine.objects.count() == 2
    assert StockMovement.objects.filter(document_id=body["id"]).count() == 2
    assert Product.objects.get(pk=shop.pasta.pk).stock_qty == 47
    month = Ticket.objects.get().month
    assert household_spent_cents(shop.household, month) == body["total_cents"]


def ingest_one_each(device_id, bodies):
    """Each of len(bodies) threads sends one of the tickets on its own: (statuses, errors)."""
    pending = list(bodies)
    lock = threading.Lock()

    def work() -> str:
        with lock:
            body = pending.pop()
        device = Device.objects.select_related("store").get(pk=device_id)
        return ticket_batch_ingest(device=device, raw_tickets=[body])[0].status

    return run_in_threads(work, len(bodies))


@pytest.mark.django_db(transaction=True)
def test_different_tickets_of_one_household_from_20_threads_lose_no_spending():
    world = make_world()
    shop = make_shop(world.store_a, world.store_a.memberships.get(user=world.bob).pk)
    device_id = enroll_till(world.store_a).device.pk
    bodies = [ticket(shop, [(shop.pasta, 1)]) for _ in range(THREADS)]
    statuses, errors = ingest_one_each(device_id, bodies)
    assert errors == []
    assert statuses == ["created"] * THREADS
    assert Product.objects.get(pk=shop.pasta.pk).stock_qty == 50 - THREADS
    month = Ticket.objects.first().month
    assert household_spent_cents(shop.household, month) == sum(b["total_cents"] for b in bodies)


@pytest.mark.django_db(transaction=True)
def test_refunds_of_one_sale_from_20_threads_through_different_ids_give_it_back_once():
    world = make_world()
    shop = make_shop(world.store_a, world.store_a.memberships.get(user=world.bob).pk)
    device_id = enroll_till(world.store_a).device.pk
    device = Device.objects.select_related("store").get(pk=device_id)
    sale = ticket(shop, [(shop.pasta, 2)])
    ticket_batch_ingest(device=device, raw_tickets=[sale])
    bodies = [ticket(shop, [(shop.pasta, -2)], refund_of=sale["id"]) for _ in range(THREADS)]
    statuses, errors = ingest_one_each(device_id, bodies)
    assert errors == []
    assert statuses == ["created"] * THREADS
    assert Product.objects.get(pk=shop.pasta.pk).stock_qty == 50
    month = Ticket.objects.get(pk=sale["id"]).month
    assert household_spent_cents(shop.household, month) == 0
    flagged = Anomaly.objects.filter(kind=Anomaly.Kind.REFUND_EXCEEDS_SALE)
    assert flagged.count() == THREADS - 1
