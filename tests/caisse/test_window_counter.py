"""The window at the counter, under Xvfb: the cash-session question at sign-in and the offer
to resume a sale interrupted by a crash (screenshots in test-output/test_window_counter/)."""

from __future__ import annotations

import pytest

from tests.caisse.conftest import NOW
from tests.caisse.fakes import FakeView, ean, make_snapshot
from tests.caisse.test_window import KeyboardDriver

FOLDER = "test_window_counter"


def open_window(ctx):
    import tkinter as tk

    from cabas.caisse.ui.app import TillWindow

    root = tk.Tk()
    window = TillWindow(ctx, root)
    root.update()
    return window


def close_window(window) -> None:
    window.stop.set()
    window.wake.set()
    window.root.destroy()


@pytest.mark.display
def test_signing_in_asks_for_the_float_when_the_session_is_closed(display, ctx):
    ctx.store.save(make_snapshot(cash_session_required=True), fetched_at=NOW)
    window = open_window(ctx)
    drive = KeyboardDriver(window, display, FOLDER)

    def asked() -> None:
        assert window.dialog is not None and window.dialog.title() == "Ouverture de caisse"

    def opened() -> None:
        session = ctx.sessions.current()
        assert session is not None and session.opening_float_cents == 5000
        assert [line.label for line in window.till.lines] == ["Produit 1"]

    (
        drive.type("1234")
        .check(asked)
        .shot("1-ouverture-a-la-connexion")
        .type("50")
        .type(ean("376000000001"))
        .check(opened)
        .shot("2-vente-apres-ouverture")
    )
    drive.run()
    close_window(window)


@pytest.mark.display
def test_a_sale_interrupted_by_a_crash_is_offered_at_the_next_sign_in(display, ctx):
    before = ctx.till(FakeView(), now=lambda: NOW)
    assert before.sign_in(7, "1234")
    before.scan("B0001")
    before.scan(ean("376000000001"))
    before.scan("2*" + ean("376000000002"))
    before.add_payment("card", 20)  # written at once: the till "crashes" here
    window = open_window(ctx)
    drive = KeyboardDriver(window, display, FOLDER)

    assert "identifiez-vous pour la reprendre" in window.message_var.get()

    def offered() -> None:
        assert window.dialog is not None and window.dialog.title() == "Confirmation"

    def resumed() -> None:
        summary = window.summary
        assert summary is not None and summary.client is not None
        assert [line.quantity for line in summary.lines] == [1, 2]
        assert "Payé" in window.paid_var.get() and "Vente reprise" in window.message_var.get()

    # An answer is a key typed alone (a scanner's letters never answer): a pause around it.
    (
        drive.type("1234")
        .check(offered)
        .shot("3-reprise-proposee")
        .wait(200)
        .key("o")
        .wait(300)
        .check(resumed)
        .shot("4-vente-reprise")
    )
    drive.run()
    close_window(window)


@pytest.mark.display
def test_a_refund_by_keyboard_then_a_reprint(display, ctx):
    from cabas.protocol import receipt_number

    before = ctx.till(FakeView(), now=lambda: NOW)
    assert before.sign_in(7, "1234")
    before.scan(ean("376000000002"))
    sale = before.add_payment("card")
    assert sale is not None
    window = open_window(ctx)
    drive = KeyboardDriver(window, display, FOLDER)

    def proposed() -> None:
        assert window.dialog is not None
        texts = [w.cget("text") for w in window.dialog.winfo_children() if hasattr(w, "cget")]
        assert any("Carte bancaire" in str(t) for t in texts), texts

    def refunded_in_cash() -> None:
        refunds = [t for t in window.till.todays_tickets() if t.is_refund]
        assert len(refunds) == 1 and refunds[0].refund_of == sale.id
        assert [(p.method, p.amount_cents) for p in refunds[0].payments] == [("cash", -200)]

    (
        drive.type("1234")
        .key("F9")
        .type(receipt_number(sale.id))
        .key("Return")  # the only line
        .key("Return")  # all of it
        .check(proposed)
        .shot("5-remboursement-moyens")
        .key("F1", "Return")
        .check(refunded_in_cash)
        .key("F6")
        .shot("6-duplicata")
        .check(lambda: None)
        .key("Return")
    )
    drive.run()
    assert "DUPLICATA" in window.receipt_text.get("1.0", "end")
    close_window(window)
