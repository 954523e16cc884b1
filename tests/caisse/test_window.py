"""The Tk till window driven through a whole sale by keyboard events, under Xvfb, with
screenshots in test-output/test_window/ (look at them)."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable

import pytest

from cabas.rules.barcodes import encode_scale_code, lookup_code
from tests.caisse.display import screenshot
from tests.caisse.fakes import ean

KEYSYMS = {"*": "asterisk", ",": "comma", ".": "period", " ": "space", "-": "minus"}


class KeyboardDriver:
    """Types into whatever has the keyboard, one key every few milliseconds, from Tk's own
    event loop (so modal dialogs, which run a nested loop, keep receiving keys)."""

    def __init__(self, window, display: str, folder: str) -> None:
        self.window = window
        self.root = window.root
        self.display = display
        self.folder = folder
        self.steps: deque[Callable[[], None]] = deque()
        self.finished = False
        self.error: BaseException | None = None

    def _target(self):
        dialog = self.window.dialog
        if dialog is not None:
            return dialog.focus_widget
        if self.window.sale_frame.winfo_ismapped():
            # The window gives the scan field the focus back after each dialog; under load
            # that can come a moment late, and the scanner's keys are meant for it.
            return self.window.scan_entry
        return self.root.focus_get() or self.window.pin_entry

    def key(self, *keysyms: str) -> KeyboardDriver:
        for keysym in keysyms:
            self.steps.append(
                lambda k=keysym: self._target().event_generate("<KeyPress>", keysym=k)
            )
        return self

    def type(self, text: str, enter: bool = True) -> KeyboardDriver:
        self.key(*[KEYSYMS.get(char, char) for char in text])
        if enter:
            self.key("Return")
        return self

    def shot(self, name: str) -> KeyboardDriver:
        def take() -> None:
            self.root.update_idletasks()
            screenshot(self.display, name, self.folder)

        self.steps.append(take)
        return self

    def check(self, assertion: Callable[[], None]) -> KeyboardDriver:
        self.steps.append(assertion)
        return self

    def _next(self) -> None:
        if time.monotonic() > self.deadline and self.error is None:
            self.error = AssertionError(f"keyboard script stuck, {len(self.steps)} steps left")
            if self.window.dialog is not None:
                self.window.dialog.close()  # unblock the nested loop so that run() returns
        if not self.steps or self.error is not None:
            self.finished = True
            if self.window.dialog is not None and self.error is None:
                # A dialog is still open at the end of the script: keep the watchdog going.
                self.root.after(100, self._next)
            return
        step = self.steps.popleft()
        # Schedule the next key first: this one may open a dialog that blocks here.
        self.root.after(15, self._next)
        try:
            step()
        except BaseException as exc:  # noqa: BLE001 - reported by run()
            self.error = exc
            self.finished = True

    deadline = float("inf")

    def run(self, timeout: float = 60.0) -> None:
        self.deadline = time.monotonic() + timeout
        # The window takes the keyboard once it is mapped: wait for that before typing.
        deadline = time.monotonic() + 10
        while self.root.focus_get() is None and time.monotonic() < deadline:
            self.root.update()
            time.sleep(0.01)
        self.root.after(50, self._next)
        while not self.finished and time.monotonic() < self.deadline + 5:
            self.root.update()
            time.sleep(0.002)
        if self.error is not None:
            raise self.error
        assert self.finished, "the keyboard script did not finish in time"


@pytest.mark.display
def test_a_whole_sale_by_keyboard_only(display, ctx, server):
    import tkinter as tk

    from cabas.caisse.ui.app import TillWindow

    root = tk.Tk()
    window = TillWindow(ctx, root)
    window.start_sync()
    root.update()
    folder = "test_window"
    drive = KeyboardDriver(window, display, folder)

    def sale_state():
        summary = window.summary
        assert summary is not None and summary.client.code == "B0001"
        labels = [line.label for line in summary.lines]
        assert labels == [
            "Produit 5",
            "Produit 3",
            "Produit 1",
            "Pommes golden",
            "Pommes golden",
            "Pâtes complètes",
        ], labels
        assert "Budget du mois" in window.budget_var.get()

    def paid_shown():
        assert "PAYÉ" in window.paid_var.get()
        assert "Rendu" in window.paid_var.get()

    (
        drive.shot("1-connexion")
        .type("1234")
        .check(
            lambda: (
                window.till.cashier is not None
                or pytest.fail(f"not signed in: {window.message_var.get()!r}")
            )
        )
        .key("F10")
        .type("50")
        .type("B0001")
        .type(ean("376000000005"))
        .type(ean("376000000003"))
        .type(ean("376000000003"))
        .type("3*")
        .type(ean("376000000001"))
        .type(encode_scale_code("21", "12345", 1500))
        .type(lookup_code("21", "12345"))
        .shot("2-poids")
        .type("750")
        .key("F3")
        .type("pates", enter=False)
        .shot("3-recherche")
        .key("Down", "Return")
        .check(sale_state)
        .shot("4-vente")
        .key("Up", "Up", "Delete")
        .key("F8")
        .shot("5-quota")
        .key("o", "F2")
        .type("1")
        .key("F1")
        .type("20", enter=False)
        .shot("6-paiement")
        .key("Return")
        .shot("7-paye")
        .check(paid_shown)
        .key("F11")
        .shot("8-rapport-x")
        .key("Return")
    )
    drive.run()
    assert "RAPPORT X" in window.receipt_text.get("1.0", "end")
    # The cash-session close: confirm, count the cash then the card, see the Z summary.
    (
        drive.key("F10")
        .shot("9-cloture-question")
        .key("o")
        .type("60,50", enter=False)
        .shot("10-cloture-comptage")
        .key("Return")
        .type("1")
        .shot("11-rapport-z")
        .key("Return")
        .shot("12-apres-cloture")
    )
    drive.finished = False
    drive.run()
    assert ctx.sessions.current() is None
    z_text = window.receipt_text.get("1.0", "end")
    assert "RAPPORT Z" in z_text and "Écart" in z_text, z_text
    assert "Caisse clôturée" in window.message_var.get()

    files = list(ctx.data.ventes.glob("*.json")) or list(ctx.data.journal.rglob("*.json"))
    assert len(files) == 1
    ticket = json.loads(files[0].read_text())
    assert ticket["beneficiary_code"] == "B0001"
    assert [line["label"] for line in ticket["lines"]] == [
        "Produit 5",
        "Produit 3",
        "Produit 1",
        "Pommes golden",
        "Pâtes complètes",
    ]
    methods = [
        (p["method"], p["amount_cents"], p.get("tendered_cents")) for p in ticket["payments"]
    ]
    assert methods[0] == ("card", 100, None)
    assert methods[1][0] == "cash" and methods[1][2] == 2000
    window.stop.set()
    window.wake.set()
    root.destroy()
