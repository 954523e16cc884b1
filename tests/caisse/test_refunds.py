"""Refunds at the counter: back to the original's methods by default (editable), a sale of
another till of the shop found on the server, the receipt naming the original; reprints and
today's tickets."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest

from cabas.caisse.core.app import TillContext
from cabas.protocol import receipt_number
from tests.caisse.conftest import NOW
from tests.caisse.fakes import FakeView, ean, enrolled_dir


def sell(till, *products, pay=(("cash", None),)):
    for i in products:
        till.scan(ean(f"376000000{i:03d}"))
    ticket = None
    for method, amount in pay:
        ticket = till.add_payment(method, amount)
    assert ticket is not None
    return ticket


def test_a_refund_goes_back_to_the_methods_the_client_paid_with(till, view):
    sale = sell(till, 5, 3, pay=(("card", 600), ("cash", None)))  # 8,00 €: 6 by card, 2 cash
    whole = till.refund(sale, {0: 1, 1: 1})
    assert whole is not None
    assert sorted((p.method, p.amount_cents) for p in whole.payments) == [
        ("card", -600),
        ("cash", -200),
    ]
    other = sell(till, 5, pay=(("card", 200), ("cheque", None)))  # 5,00 €: 2 card, 3 cheque
    assert till.refund_split(other, 250) == {"card": 100, "cheque": 150}


def test_the_cashier_may_choose_another_method(till):
    sale = sell(till, 2, pay=(("card", None),))
    refund = till.refund(sale, {0: 1}, {"cash": 200})
    assert refund is not None and [(p.method, p.amount_cents) for p in refund.payments] == [
        ("cash", -200)
    ]
    again = sell(till, 2, pay=(("card", None),))
    assert till.refund(again, {0: 1}, {"cash": 150}) is None  # not the refund's amount


def test_the_refund_receipt_names_the_original(till, view):
    sale = sell(till, 1)
    till.refund(sale, {0: 1})
    receipt = view.paid[-1][1]
    assert "REMBOURSEMENT" in receipt.text
    assert f"du ticket {receipt_number(sale.id)}" in receipt.text


def test_a_refund_waits_for_the_end_of_the_sale_in_progress(till, view):
    sale = sell(till, 2)
    till.scan(ean("376000000003"))
    assert not till.begin_refund()
    assert "Terminez la vente en cours" in view.texts("warning")[-1]
    assert till.refund(sale, {0: 1}) is None
    assert [line.label for line in till.lines] == ["Produit 3"]  # the sale is kept whole
    till.cancel_sale()
    assert till.begin_refund()


def test_a_refund_is_proposed_before_the_cashier_says_how_it_goes_back(till, view):
    sale = sell(till, 5, 3, pay=(("card", 600), ("cash", None)))
    proposal = till.propose_refund(sale, {1: 1})
    assert proposal is not None and proposal.amount_cents == 300
    assert proposal.split == till.refund_split(sale, 300)
    assert [line.quantity for line in proposal.lines] == [-1]
    assert till.propose_refund(sale, {1: 2}) is None
    assert "que 1 de plus" in view.texts("error")[-1]
    refund = till.refund(sale, {1: 1}, {"cash": 300})
    assert refund is not None
    assert till.propose_refund(refund, {0: 1}) is None
    assert view.texts("error")[-1] == "On ne rembourse pas un remboursement."


@pytest.fixture
def second_till(tmp_path, server):
    enrolled_dir(tmp_path / "till2")
    other = TillContext.open(tmp_path / "till2", transport=server, now=lambda: NOW)
    other.store.save(server.snapshot_value, fetched_at=NOW)
    view = FakeView()
    till = other.till(view, now=lambda: NOW)
    assert till.sign_in(7, "1234")
    return till, view


def test_a_sale_of_another_till_of_the_shop_is_found_on_the_server(ctx, till, second_till):
    sale = sell(till, 5, pay=(("card", None),))
    sale2 = sell(till, 4)
    till.refund(sale2, {0: 1})
    ctx.agent().run_once(pull=False)  # both on the server
    other, view = second_till
    found = other.find_ticket(receipt_number(sale.id))
    assert found is not None and found.id == sale.id
    refund = other.refund(found, {0: 1})
    assert refund is not None and refund.payments[0].method == "card"
    # The server knows the first till's refund of the other sale: nothing more to give back.
    found2 = other.find_ticket(receipt_number(sale2.id))
    assert found2 is not None and other.refund(found2, {0: 1}) is None
    assert "que 0 de plus" in view.texts("error")[-1]


def test_a_ticket_unknown_here_and_offline_says_why(server, second_till):
    other, view = second_till
    server.online = False
    assert other.find_ticket("0123abcd") is None
    assert "le serveur ne répond pas" in view.texts("error")[-1]
    server.online = True
    assert other.find_ticket("0123abcd") is None
    assert "introuvable sur cette caisse et sur le serveur" in view.texts("error")[-1]


def test_a_till_known_to_be_offline_does_not_make_the_cashier_wait(server, second_till):
    other, view = second_till
    other.update_link("offline", None, "Serveur injoignable")
    asked = []
    other.lookup = lambda reference: asked.append(reference)
    assert other.find_ticket("0123abcd") is None
    assert asked == []  # no request that would freeze the window until it times out
    assert "hors ligne" in view.texts("error")[-1]


def ticking_till(ctx):
    """A till whose clock moves a minute at each reading (tickets in a known order)."""
    minutes = count()
    till = ctx.till(FakeView(), now=lambda: NOW + timedelta(minutes=next(minutes)))
    assert till.sign_in(7, "1234")
    return till


def test_the_last_receipt_is_reprinted_as_a_duplicate(ctx):
    till = ticking_till(ctx)
    assert till.reprint() is None
    sell(till, 1)
    last = sell(till, 2)
    receipt = till.reprint()
    assert receipt is not None and "DUPLICATA" in receipt.text
    assert f"Ticket {receipt_number(last.id)}" in receipt.text
    # After a restart, the newest ticket of the day.
    again = ticking_till(ctx)
    assert f"Ticket {receipt_number(last.id)}" in again.reprint().text


def test_todays_tickets_are_listed_newest_first(ctx):
    till = ticking_till(ctx)
    first = sell(till, 1)
    second = sell(till, 2)
    ctx.agent().run_once(pull=False)  # one in the journal, the other waiting: both listed
    third = sell(till, 3)
    assert [t.id for t in till.todays_tickets()] == [third.id, second.id, first.id]
