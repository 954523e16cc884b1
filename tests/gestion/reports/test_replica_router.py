"""Reports read from the replica when it is configured and answers, else from the primary."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connections
from django.test.utils import CaptureQueriesContext

from cabas.gestion.core import routers
from cabas.gestion.core.routers import ReplicaRouter, reporting_database
from cabas.gestion.reports.stock_selectors import stock_state
from cabas.gestion.stock.services import lot_receive
from tests.gestion.reports.conftest import local, make_catalogue


@pytest.fixture(autouse=True)
def _fresh_probe():
    routers.reset_replica_state()
    yield
    routers.reset_replica_state()
    # A replica session left open would keep PostgreSQL from dropping the test database.
    connections["replica"].close()


def test_without_a_replica_reports_read_the_primary(monkeypatch):
    monkeypatch.delitem(django_settings.DATABASES, "replica")
    assert reporting_database() == "default"


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_reports_read_the_replica_when_it_answers(world):
    assert reporting_database() == "replica"
    c = make_catalogue(world.store_a)
    lot_receive(
        store=world.store_a, product=c.pasta, quantity=7, actor=None, received_at=local(2026, 1, 5)
    )
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        state = stock_state(world.store_a, date(2026, 1, 31))
    assert state.by_category.totals == ["Total", 7, 0, 7 * 90, 7 * 150]
    assert len(on_replica) >= 2
    assert len(on_primary) == 0


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_an_unreachable_replica_falls_back_to_the_primary_with_a_warning(
    world, monkeypatch, caplog
):
    def refuse() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["replica"], "ensure_connection", refuse)
    with caplog.at_level(logging.WARNING, logger="cabas.gestion.core.routers"):
        assert reporting_database() == "default"
    assert "Replica database unreachable" in caplog.text
    # The failure is remembered: no new probe (and no new warning) until the retry time.
    caplog.clear()
    assert reporting_database() == "default"
    assert caplog.text == ""


@pytest.mark.django_db
def test_inside_a_transaction_reports_read_the_primary_to_see_its_own_writes(world):
    # pytest-django runs this test inside a transaction on the primary.
    assert reporting_database() == "default"


def test_the_router_never_writes_or_migrates_on_the_replica():
    router = ReplicaRouter()
    assert router.db_for_write(object) == "default"
    assert router.db_for_read(object) is None
    assert router.allow_migrate("replica", "reports") is False
    assert router.allow_migrate("default", "reports") is True
