"""Receipts on an ESC/POS printer (python-escpos's Dummy printer records the bytes)."""

from __future__ import annotations

from escpos.printer import Dummy

from cabas.caisse.core.receipt import print_receipt
from tests.caisse.fakes import ean


def test_the_receipt_is_printed_with_the_savings_and_cut(till, view):
    till.scan("B0001")
    till.scan(ean("376000000005"))
    till.add_payment("cash", tendered_cents=500)
    receipt = view.paid[-1][1]
    printer = Dummy()
    print_receipt(printer, receipt)
    output = printer.output
    assert b"Produit 5" in output
    assert b"conomis" in output and b"3,50 EUR" in output
    assert b"Rendu" in output and b"3,50 EUR" in output
    assert output.endswith(b"\x1dV\x00") or b"\x1dV" in output[-8:]  # paper cut


def test_a_configured_printer_gets_each_receipt_and_a_printer_error_keeps_the_sale(
    ctx, view, monkeypatch
):
    printed = []
    till = ctx.till(view)
    till.sign_in(7, "1234")
    till.print_receipt = printed.append
    till.scan(ean("376000000001"))
    assert till.add_payment("card") is not None
    assert len(printed) == 1

    def jammed(receipt):
        raise OSError("plus de papier")

    till.print_receipt = jammed
    till.scan(ean("376000000001"))
    assert till.add_payment("card") is not None
    assert "Impression impossible" in view.texts("warning")[-1]
    assert ctx.outbox.pending_count() == 2
