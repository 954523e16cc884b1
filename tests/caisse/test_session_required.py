"""No sale outside a cash session when the shop requires one (the default): the till asks to
open it at sign-in and refuses to sell until it is open."""

from __future__ import annotations

import pytest

from cabas.caisse.core.outbox import read_ticket_file
from cabas.protocol import Snapshot
from tests.caisse.conftest import NOW
from tests.caisse.fakes import FakeView, ean, make_snapshot


def till_with(ctx, snapshot: Snapshot):
    ctx.store.save(snapshot, fetched_at=NOW)
    view = FakeView()
    till = ctx.till(view, now=lambda: NOW)
    assert till.sign_in(7, "1234")
    return till, view


@pytest.fixture
def required(ctx):
    return till_with(ctx, make_snapshot(cash_session_required=True))


def test_signing_in_asks_to_open_the_session(required):
    till, view = required
    assert till.session_required and view.session_asks == 1


def test_the_float_asked_at_sign_in_is_wanted_until_the_session_is_open(required):
    till, view = required
    assert till.opening_wanted and not till.session_open
    till.decline_opening()
    assert "refusées jusqu'à l'ouverture (F10)" in view.texts("warning")[-1]
    assert till.open_session(5000) is not None
    assert till.session_open and not till.opening_wanted


def test_closing_counts_cash_and_each_method_the_session_used(required):
    till, _view = required
    assert till.methods_to_count() == []
    till.open_session(5000)
    assert till.methods_to_count() == ["cash"]
    till.scan(ean("376000000002"))
    till.add_payment("card", 100)
    till.add_payment("cheque")
    assert till.methods_to_count() == ["cash", "card", "cheque"]


def test_a_sale_outside_a_session_is_refused_until_it_is_opened(ctx, required):
    till, view = required
    till.scan(ean("376000000001"))
    assert till.lines == []
    assert "La caisse n'est pas ouverte" in view.texts("error")[-1]
    till.add_product(1)
    till.add_weighed(900, 500)
    assert till.lines == [] and till.add_payment("cash") is None

    session = till.open_session(5000)
    assert session is not None
    till.scan(ean("376000000001"))
    ticket = till.add_payment("cash")
    assert ticket is not None and ticket.cash_session_id == session.id
    stored = read_ticket_file(ctx.data.ventes / f"{ticket.id}.json")
    assert stored.cash_session_id == session.id


def test_an_open_session_is_not_asked_again(ctx, required):
    till, _ = required
    till.open_session(0)
    again = FakeView()
    assert ctx.till(again, now=lambda: NOW).sign_in(7, "1234")
    assert again.session_asks == 0


def test_a_shop_without_sessions_sells_outside_one(ctx):
    till, view = till_with(ctx, make_snapshot(cash_session_required=False))
    assert view.session_asks == 0
    till.scan(ean("376000000001"))
    ticket = till.add_payment("cash")
    assert ticket is not None and ticket.cash_session_id is None


def test_a_snapshot_of_an_older_server_requires_a_session():
    raw = make_snapshot().model_dump(mode="json")
    del raw["store"]["cash_session_required"]
    assert Snapshot.model_validate(raw).store.cash_session_required is True
