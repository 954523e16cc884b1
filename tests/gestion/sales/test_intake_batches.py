"""One durable commit per batch, a savepoint per ticket; locks taken up front so that
concurrent batches never deadlock; a deadlock that still happens retries the batch, and
back-pressure answers 429 `rate_limited` (real commits: `transaction=True`; run on PostgreSQL
and MariaDB in CI as well as SQLite)."""

from __future__ import annotations

import contextlib
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import InterfaceError, OperationalError

from cabas.gestion.beneficiaries.selectors import household_spent_cents
from cabas.gestion.catalog.models import Product
from cabas.gestion.core.db import flush_pending
from cabas.gestion.core.throttle import concurrency_slot
from cabas.gestion.pos.models import Device
from cabas.gestion.sales import intake
from cabas.gestion.sales.models import QuarantinedPayload, Ticket
from cabas.gestion.stock.models import StockMovement
from tests.conftest import make_world
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.concurrency import run_in_threads
from tests.gestion.pos.conftest import enroll_till
from tests.gestion.sales.conftest import make_shop, ticket, today

pytestmark = pytest.mark.django_db(transaction=True)


def _shop():
    world = make_world()
    shop = make_shop(world.store_a, world.store_a.memberships.get(user=world.bob).pk)
    return shop, enroll_till(world.store_a)


class _DriverDeadlockError(Exception):
    """What the drivers raise (psycopg's ``sqlstate``, MySQLdb's error number)."""

    sqlstate = "40P01"


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = _DriverDeadlockError(1213, "Deadlock found")
    return error


def test_a_database_error_in_ticket_3_of_50_rolls_it_back_alone(monkeypatch, caplog):
    shop, till = _shop()
    bodies = [ticket(shop, [(shop.pasta, 1)]) for _ in range(50)]
    bad = bodies[2]["id"]
    real = intake._store_ticket

    def failing(prepared: Any, cursor: Any) -> None:
        if str(prepared.ticket["id"]) == bad:
            # Its ticket row, stock and lines are written before the payment the database
            # refuses (NOT NULL): all of it goes back to its savepoint.
            prepared.payments[0]["method"] = None
        real(prepared, cursor)

    monkeypatch.setattr(intake, "_store_ticket", failing)
    with caplog.at_level("ERROR", logger="cabas.gestion.sales.intake"):
        results = intake.ticket_batch_ingest(device=till.device, raw_tickets=bodies)
    assert [r.status for r in results] == ["created"] * 2 + ["rejected"] + ["created"] * 47
    assert results[2].error is not None and results[2].error.code == "server_error"
    assert [r.id for r in results] == [b["id"] for b in bodies]
    assert Ticket.objects.count() == 49
    assert not Ticket.objects.filter(pk=bad).exists()
    assert not StockMovement.objects.filter(document_id=bad).exists()
    assert Product.objects.get(pk=shop.pasta.pk).stock_qty == 50 - 49
    month = Ticket.objects.first().month
    spent = sum(b["total_cents"] for b in bodies if b["id"] != bad)
    assert household_spent_cents(shop.household, month) == spent
    assert QuarantinedPayload.objects.get().object_id == bad
    # Sent again, the 49 are duplicates and the third is stored now.
    monkeypatch.setattr(intake, "_store_ticket", real)
    again = intake.ticket_batch_ingest(device=till.device, raw_tickets=bodies)
    assert [r.status for r in again] == ["duplicate"] * 2 + ["created"] + ["duplicate"] * 47


def test_two_batches_naming_the_same_rows_in_opposite_orders_both_commit(monkeypatch):
    """Without the locks taken up front, each batch would hold the product and the household
    the other one waits for: a deadlock (then a retry). With them, no retry is needed."""
    shop, till = _shop()
    other = make_household(
        shop.store,
        last_name="Martin",
        admit=(today() - timedelta(days=60), today() + timedelta(days=300)),
        monthly_budget_cents=5000,
    )
    second = enroll_till(shop.store, "Caisse 2").device.pk
    forward = [
        ticket(shop, [(shop.pasta if i % 2 == 0 else shop.milk, 1)], household=h)
        for i, h in enumerate([shop.household, other] * 10)
    ]
    backward = [
        ticket(shop, [(shop.milk if i % 2 == 0 else shop.pasta, 1)], household=h)
        for i, h in enumerate([other, shop.household] * 10)
    ]
    retries: list[int] = []
    real_pause = intake._pause
    monkeypatch.setattr(intake, "_pause", lambda attempt: retries.append(attempt) or real_pause(1))
    # Each batch, its first ticket written, waits (a little) for the other one to have written
    # its own: without the locks taken up front, both would then wait for each other's row.
    met = threading.Barrier(2)
    real_store = intake._store_ticket
    firsts = {forward[0]["id"], backward[0]["id"]}

    def store(prepared: Any, cursor: Any) -> None:
        real_store(prepared, cursor)
        if str(prepared.ticket["id"]) in firsts:
            flush_pending(cursor)
            # The other batch waits for this one's locks: as it should.
            with contextlib.suppress(threading.BrokenBarrierError):
                met.wait(timeout=2)

    monkeypatch.setattr(intake, "_store_ticket", store)
    batches = [(till.device.pk, forward), (second, backward)]
    lock = threading.Lock()

    def work() -> list[str]:
        with lock:
            device_id, bodies = batches.pop()
        device = Device.objects.select_related("store").get(pk=device_id)
        return [r.status for r in intake.ticket_batch_ingest(device=device, raw_tickets=bodies)]

    statuses, errors = run_in_threads(work, 2)
    assert errors == []
    assert statuses == [["created"] * 20] * 2
    assert retries == []  # no deadlock happened
    assert Product.objects.get(pk=shop.pasta.pk).stock_qty == 50 - 20
    assert Product.objects.get(pk=shop.milk.pk).stock_qty == 30 - 20
    month = Ticket.objects.first().month
    for household in (shop.household, other):
        expected = sum(
            b["total_cents"] for b in forward + backward if b["beneficiary_code"] == household.code
        )
        assert household_spent_cents(household, month) == expected


def test_a_deadlock_retries_the_whole_batch_and_stores_it_once(monkeypatch):
    shop, till = _shop()
    bodies = [ticket(shop, [(shop.pasta, 1)]) for _ in range(5)]
    real = intake._store_ticket
    calls: list[str] = []

    def once(prepared: Any, cursor: Any) -> None:
        calls.append(str(prepared.ticket["id"]))
        real(prepared, cursor)
        if len(calls) == 3:  # the third ticket, the first time: the whole batch goes back
            raise _deadlock()

    monkeypatch.setattr(intake, "_store_ticket", once)
    monkeypatch.setattr(intake, "_pause", lambda attempt: None)
    results = intake.ticket_batch_ingest(device=till.device, raw_tickets=bodies)
    assert [r.status for r in results] == ["created"] * 5
    assert len(calls) == 3 + 5
    assert Ticket.objects.count() == 5
    assert StockMovement.objects.filter(document_type="sales.ticket").count() == 5
    assert Product.objects.get(pk=shop.pasta.pk).stock_qty == 45
    assert QuarantinedPayload.objects.count() == 0


def test_deadlocks_past_the_retries_answer_rate_limited_and_store_nothing(monkeypatch, settings):
    shop, till = _shop()
    settings.CABAS_INTAKE_RETRY_AFTER_SECONDS = 10

    def always(prepared: Any, cursor: Any) -> None:
        raise _deadlock()

    monkeypatch.setattr(intake, "_store_ticket", always)
    monkeypatch.setattr(intake, "_pause", lambda attempt: None)
    response = till.post("tickets", {"tickets": [ticket(shop, [(shop.pasta, 1)])]})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 10 <= int(response["Retry-After"]) <= 20
    assert Ticket.objects.count() == 0
    assert QuarantinedPayload.objects.count() == 0


def test_a_saturated_server_answers_rate_limited_with_retry_after(settings, tmp_path):
    shop, till = _shop()
    settings.CABAS_INTAKE_SLOTS = 1
    settings.CABAS_INTAKE_WAIT_SECONDS = 0
    settings.CABAS_INTAKE_SLOTS_DIR = tmp_path
    settings.CABAS_INTAKE_RETRY_AFTER_SECONDS = 5
    body = ticket(shop, [(shop.pasta, 1)])
    with concurrency_slot(tmp_path, slots=1, wait_seconds=0) as held:
        assert held  # another worker is storing a batch
        response = till.post("tickets", {"tickets": [body]})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 5 <= int(response["Retry-After"]) <= 10
    assert Ticket.objects.count() == 0
    response = till.post("tickets", {"tickets": [body]})  # the slot is free again
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "created"


def test_a_connection_lost_mid_batch_rejects_no_ticket_and_answers_nothing(monkeypatch):
    """The server going away is no ticket's fault: rejecting the ticket it struck would move
    a good sale to Rejetes/; the call fails instead and the till sends the batch again."""
    from cabas.gestion.core.db import Savepoint

    shop, till = _shop()
    bodies = [ticket(shop, [(shop.pasta, 1)]) for _ in range(3)]

    def gone(prepared: Any, cursor: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    def rollback(self: Any) -> None:
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(intake, "_store_ticket", gone)
    monkeypatch.setattr(Savepoint, "rollback", rollback)
    with pytest.raises(intake.ConnectionLost):
        intake.ticket_batch_ingest(device=till.device, raw_tickets=bodies)
    assert QuarantinedPayload.objects.count() == 0
