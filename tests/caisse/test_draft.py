"""The sale in progress survives a crash: the cart and the payments already entered are
offered again at the next sign-in, never counted twice."""

from __future__ import annotations

import json

from cabas.caisse.core.outbox import read_ticket_file
from tests.caisse.conftest import NOW
from tests.caisse.fakes import FakeView, ean


def restart(ctx, *, answer: bool = True) -> tuple[object, FakeView]:
    """What a till started again after a crash sees (a new core on the same data folder)."""
    view = FakeView(answer=answer)
    till = ctx.till(view, now=lambda: NOW)
    assert till.sign_in(7, "1234")
    return till, view


def test_a_cart_and_a_payment_entered_survive_a_crash(ctx, till, view):
    till.scan("B0001")
    till.scan(ean("376000000001"))
    till.scan("2*" + ean("376000000002"))
    assert till.add_payment("card", 20) is None  # 0,20 € by card, the rest to come
    # The payment is on disk before it is shown: no flush here, the till "crashes" now.
    saved = json.loads(ctx.data.draft_file.read_text())
    assert saved["payments"][0]["amount_cents"] == 20 and len(saved["lines"]) == 2

    assert ctx.till(FakeView(), now=lambda: NOW).interrupted_sale_waiting
    again, seen = restart(ctx)
    question = seen.questions[-1]
    assert "interrompue" in question and "2 ligne(s)" in question and "DÉJÀ PAYÉS" in question
    assert [line.quantity for line in again.lines] == [1, 2]
    assert again.client is not None and again.client.code == "B0001"
    assert [(p.method, p.amount_cents) for p in again.payments] == [("card", 20)]
    assert "Vente reprise" in seen.texts("warning")[-1]

    ticket = again.add_payment("cash")
    assert ticket is not None
    stored = read_ticket_file(ctx.data.ventes / f"{ticket.id}.json")
    assert [(p.method, p.amount_cents) for p in stored.payments] == [("card", 20), ("cash", 90)]
    assert str(stored.id) == saved["sale_id"]  # the draft's id is the ticket's
    again.close()
    assert not ctx.data.draft_file.exists()


def test_declining_the_interrupted_sale_drops_it_and_says_what_was_paid(ctx, till):
    till.scan(ean("376000000003"))
    till.add_payment("cash", 100)
    again, seen = restart(ctx, answer=False)
    assert again.lines == [] and again.payments == []
    assert "rendez les 1,00" in seen.texts("warning")[-1].replace("\u202f", " ")
    assert not ctx.data.draft_file.exists()
    third, later = restart(ctx)
    assert later.questions == []


def test_a_sale_paid_just_before_the_crash_is_not_offered_again(ctx, till):
    till.scan(ean("376000000001"))
    till.close()  # the draft of the open cart is on disk
    before_payment = ctx.data.draft_file.read_bytes()
    ticket = till.add_payment("cash")
    assert ticket is not None
    till.close()
    assert not ctx.data.draft_file.exists()
    # A crash between the ticket's write and the draft's removal leaves the old draft.
    ctx.data.draft_file.write_bytes(before_payment)
    again, seen = restart(ctx)
    assert seen.questions == [] and again.lines == []
    assert not ctx.data.draft_file.exists()
    assert len(list(ctx.data.ventes.glob("*.json"))) == 1  # one ticket, never two


def test_a_cancelled_sale_leaves_no_draft(ctx, till):
    till.scan(ean("376000000001"))
    till.close()
    assert ctx.data.draft_file.exists()
    till.cancel_sale()
    till.close()
    assert not ctx.data.draft_file.exists()


def test_a_damaged_draft_is_ignored(ctx):
    ctx.data.draft_file.write_text("{not json")
    again, seen = restart(ctx)
    assert seen.questions == [] and again.lines == []
