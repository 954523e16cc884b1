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


def test_the_x_and_z_reports_are_printed_on_the_configured_printer(ctx, view, tmp_path):
    from cabas.caisse.core.config import PrinterConfig

    # python-escpos's File printer, as for /dev/usb/lp0 (each document rewrites the file).
    device = tmp_path / "lp0"
    ctx.config.printer = PrinterConfig(kind="file", path=str(device))
    till = ctx.till(view)
    assert till.sign_in(7, "1234")
    assert till.open_session(5000) is not None
    till.scan(ean("376000000002"))
    till.add_payment("cash", tendered_cents=500)
    assert b"Produit 2" in device.read_bytes()

    x = till.x_report()
    assert x is not None and x.lines[1].strip() == "RAPPORT X (en cours)"
    printed = device.read_bytes()
    assert b"RAPPORT X" in printed and b"Fond de caisse" in printed and b"50,00 EUR" in printed
    assert "Rapport X imprimé" in view.texts()[-1]

    report = till.close_session({"cash": 5200})
    assert report is not None
    printed = device.read_bytes()
    assert b"RAPPORT Z" in printed and b"cart" in printed  # « Écart »
    assert printed.rstrip().endswith(b"\x1dV\x00") or b"\x1dV" in printed[-8:]  # cut
    assert till.z_report is not None and "Écart" in till.z_report.text
    assert till.z_report.lines[0].strip() == ctx.config.store.name
    assert "Rapport Z imprimé" in view.texts()[-1]


def test_without_a_printer_the_z_report_is_only_shown(till, view):
    assert till.open_session(0) is not None
    report = till.close_session({})
    assert report is not None and till.z_report is not None
    assert "RAPPORT Z" in till.z_report.text
    assert "imprimé" not in view.texts()[-1]


def test_a_jammed_printer_does_not_stop_the_close(ctx, view):
    till = ctx.till(view)
    assert till.sign_in(7, "1234")

    def jammed(receipt):
        raise OSError("plus de papier")

    till.print_receipt = jammed
    assert till.open_session(0) is not None
    assert till.close_session({}) is not None
    assert ctx.sessions.current() is None
    assert "Impression impossible" in view.texts("warning")[-1]
