"""The Tk till window driven through a whole sale by keyboard events, under Xvfb, with
screenshots in test-output/test_window/ (look at them)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import deque
from collections.abc import Callable

import pytest

from cabas.rules.barcodes import encode_scale_code, lookup_code
from tests.caisse.display import SCREEN, screenshot
from tests.caisse.fakes import MANAGER, ean, make_snapshot

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
        self.processes = []

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

    def wait(self, ms: int) -> KeyboardDriver:
        """A pause, as a person makes between two keys (an answer to a question must be typed
        alone, not within a scanner's rhythm)."""

        def pause() -> None:
            pass

        pause.delay_ms = ms  # type: ignore[attr-defined]
        self.steps.append(pause)
        return self

    def xdotool(self, *args: str) -> KeyboardDriver:
        """Real X key events (XTEST), to whatever window has the X focus: ``type --delay 15``
        is a USB scanner's rhythm. Runs in the background; ``wait`` for it to finish."""
        env = {**os.environ, "DISPLAY": self.display}
        self.steps.append(
            lambda: self.processes.append(subprocess.Popen(["xdotool", *args], env=env))
        )
        return self

    def scanner(self, code: str) -> KeyboardDriver:
        """A scanner: the code then Entrée, 15 ms per key, then the time it takes."""
        # "\r" is typed as Return (a scanner's Entrée); "\n" would be Linefeed.
        return self.xdotool("type", "--delay", "15", code + "\r").wait(15 * len(code) + 400)

    def person(self, keysym: str) -> KeyboardDriver:
        """One key pressed by a person, then a person's pause."""
        return self.xdotool("key", keysym).wait(400)

    processes: list[subprocess.Popen[bytes]]

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
        self.root.after(getattr(step, "delay_ms", 15), self._next)
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
        .key("o")
        .wait(300)
        .key("F2")
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
        .wait(300)
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


def open_window(ctx, snapshot=None):
    """The window signed in as Bob, on local data only (no sync thread)."""
    import tkinter as tk

    from cabas.caisse.ui.app import TillWindow

    if snapshot is not None:
        ctx.store.save(snapshot)
    root = tk.Tk()
    window = TillWindow(ctx, root)
    root.update()
    assert window.till.sign_in(7, "1234")
    window.show_sale()
    root.update()
    return window


def close_window(window) -> None:
    window.stop.set()
    window.wake.set()
    window.root.destroy()


def lines(window) -> list[str]:
    return [line.label for line in window.till.lines]


@pytest.mark.display
def test_a_scanners_enter_never_answers_a_question_and_its_scan_is_kept(display, ctx):
    """Échap asks whether to cancel the sale; the next scan (code + Entrée at 15 ms a key,
    real X events) does not answer, and is added once the cashier pressed N."""
    window = open_window(ctx)
    drive = KeyboardDriver(window, display, "test_window_scanner")

    def asking():
        assert window.dialog is not None, "the question was answered"
        assert len(window.till.lines) == 3, lines(window)

    def kept_then_added():
        assert window.dialog is None
        assert lines(window) == ["Produit 1", "Produit 2", "Produit 3", "Produit 4"]
        texts = [text for text, _level in window.messages()]
        assert any("Code inconnu : N0PE" in text for text in texts), texts

    (
        drive.scanner(ean("376000000001"))
        .scanner(ean("376000000002"))
        .scanner(ean("376000000003"))
        .check(
            lambda: (
                lines(window) == ["Produit 1", "Produit 2", "Produit 3"]
                or pytest.fail(f"scans not added: {lines(window)} {window.messages()}")
            )
        )
        .person("Escape")
        .check(asking)
        .scanner(ean("376000000004"))
        .check(asking)
        # A code that starts with an N (card codes are alphanumeric): not an answer either.
        .scanner("N0PE")
        .check(asking)
        .person("Return")
        .check(asking)
        .shot("1-question-scans-gardes")
        .person("n")
        .check(kept_then_added)
        .shot("2-scans-ajoutes")
        .person("Escape")
        .person("o")
        .check(lambda: lines(window) == [] or pytest.fail(f"not cancelled: {lines(window)}"))
        .shot("3-vente-annulee")
    )
    drive.run()
    for process in drive.processes:
        assert process.wait(10) == 0
    assert "Vente annulée." in window.message_var.get()
    close_window(window)


LONG = {
    "id": 960,
    "name": "Compote pomme-poire sans sucres ajoutés, lot de 4 gourdes de 90 g",
    "category_id": 1,
    "barcodes": [ean("376000000960")],
    "unit": "piece",
    "price_cents": 1234,
}
TWIN = {**LONG, "id": 961, "barcodes": [ean("376000000961")], "stock_qty": 3}
YOGURT = {
    "id": 950,
    "name": "Yaourt nature",
    "category_id": 1,
    "barcodes": [ean("376000000950")],
    "unit": "piece",
    "price_cents": 80,
    "earliest_dlc": "2026-11-01",
}


@pytest.mark.display
def test_the_sale_screen_fits_the_screen_over_budget_with_every_message(display, ctx):
    """At 1024×768 and 1366×768 (CABAS_TEST_SCREEN): every column of the cart, the budget
    line (red bar once over) and the messages (a list, none hiding another) are whole."""
    snapshot = make_snapshot(extra_products=[LONG, TWIN, YOGURT], extra_cashiers=[MANAGER])
    window = open_window(ctx, snapshot)
    root, till = window.root, window.till
    folder = "test_window_layout"
    till.scan("B0001")
    till.scan("40*")
    till.scan(ean("376000000005"))
    till.scan(ean("376000000960"))
    till.scan(ean("376000000950"))  # past its DLC: refused
    root.update()
    assert [level for _text, level in window.messages()][0] == "error"
    screenshot(display, f"1-refus-dlc-{SCREEN}", folder)
    # F1: the manager types her PIN; the refused line is added, with her id.
    allow = KeyboardDriver(window, display, folder)
    allow.key("F1").wait(200).shot(f"1b-accord-{SCREEN}").type("9876")
    allow.run(timeout=20)
    assert [line.authorized_by for line in till.lines] == [None, None, 8]
    root.update()
    screenshot(display, f"2-vente-{SCREEN}", folder)

    width, height = root.winfo_screenwidth(), root.winfo_screenheight()
    assert root.winfo_width() <= width and root.winfo_height() <= height
    tree = window.tree
    for item in tree.get_children():
        for column in ("qty", "unit", "total"):
            x, _y, w, _h = tree.bbox(item, column)
            assert x + w <= tree.winfo_width(), (column, x, w, tree.winfo_width())
    # Over budget: the bar is red, the line says by how much and fits its place.
    assert str(window.budget_bar.cget("style")).startswith("Over")
    assert "dépassé de" in window.budget_var.get()
    label = window.budget_label
    assert label.winfo_x() + label.winfo_width() <= label.master.winfo_width()
    assert label.winfo_reqwidth() <= label.winfo_width() + 2
    # The DLC note, the budget and the quota warnings of the last action are all listed.
    fresh = [text for text, level in window.messages() if level != "old"]
    assert any("autorisée par Alice" in text for text in fresh), fresh
    assert any("Quota dépassé" in text for text in fresh), fresh
    for row in window.message_rows:
        if row.winfo_ismapped():
            assert row.winfo_reqwidth() <= root.winfo_width(), row.cget("text")
            assert row.winfo_y() + row.winfo_height() <= window.message_label.winfo_height()

    # Paid (F8, O to the budget and the quota questions, card): the receipt box shows the
    # ticket's number whole.
    drive = KeyboardDriver(window, display, folder)
    drive.key("F8").wait(300).key("o").wait(300).key("o").wait(300).key("F2", "Return")
    drive.run(timeout=20)
    root.update()
    screenshot(display, f"3-paye-{SCREEN}", folder)
    assert window.dialog is None and not till.lines, window.messages()
    ticket_file = next(ctx.data.ventes.glob("*.json"))
    number = ticket_file.stem[:8]
    assert f"Ticket {number}" in window.paid_var.get()
    box = window.receipt_text
    index = box.search(f"Ticket {number}", "1.0")
    x, _y, w, _h = box.bbox(f"{index} lineend")
    assert x + w <= box.winfo_width(), "the ticket number is cut"

    # Two products of the same name are told apart in the search list.
    row = window._search_row(till.catalog.products[961], 2)
    assert ean("376000000961") in row and "stock 3" in row
    close_window(window)


@pytest.mark.display
def test_an_error_turns_grey_after_the_next_good_scan_and_echap_drops_the_client(display, ctx):
    window = open_window(ctx)
    drive = KeyboardDriver(window, display, "test_window_messages")

    def error_then_grey():
        levels = [level for _text, level in window.messages()]
        assert levels[:2] == ["old", "old"] or levels[0] != "error", window.messages()
        assert all(level != "error" for level in levels), window.messages()

    (
        drive.type("B0001")
        .type("0000000")
        .check(lambda: window.messages()[0][1] == "error" or pytest.fail(window.messages()))
        .type(ean("376000000001"))
        .check(error_then_grey)
        .key("Delete")
        .check(lambda: window.till.lines == [] and window.till.client is not None or pytest.fail())
        .key("Escape")
        .check(lambda: window.till.client is None or pytest.fail("Échap kept the client"))
        .check(lambda: "Client retiré" in window.message_var.get() or pytest.fail())
        .key("F12")
    )
    drive.run()
    close_window(window)


@pytest.mark.display
def test_a_code_scanned_into_the_weight_field_is_not_a_weight_and_is_scanned_after(display, ctx):
    """The next article scanned before the weight was typed: not 3,760,000 kg, but kept."""
    window = open_window(ctx)
    drive = KeyboardDriver(window, display, "test_window_scanner")

    def still_weighing():
        assert window.dialog is not None and window.till.lines == [], lines(window)
        assert window.dialog.held == [ean("376000000002")], window.dialog.held

    (
        drive.scanner(lookup_code("21", "12345"))
        .check(lambda: window.dialog is not None or pytest.fail("no weight asked"))
        .scanner(ean("376000000002"))
        .check(still_weighing)
        .shot("4-poids-scan-garde")
        .xdotool("type", "--delay", "150", "500\r")
        .wait(1200)
        .check(
            lambda: (
                lines(window) == ["Pommes golden", "Produit 2"]
                or pytest.fail(f"{lines(window)} {window.messages()}")
            )
        )
    )
    drive.run()
    assert window.till.lines[0].quantity == 500
    close_window(window)
