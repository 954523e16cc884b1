"""The till window (Tkinter): large fonts, French, keyboard only. It draws what the core
(`cabas.caisse.core.till.Till`) tells it and forwards keys to it; the sync agent runs in a
background thread and talks to the window through a queue polled with ``after()`` (Tk is not
thread-safe).

Keys: the scan field always has the focus (a USB scanner types the code and Enter).
  ↑/↓ choose a line · Suppr remove it · F4 or « * » quantity · F5 weight
  F2 client card · F3 search by name · F1 a manager allows a refused article · F8 pay
  F9 refund · F10 cash session · F11 X report · Échap cancel the sale (or drop the client)
  F12 sign out
A yes/no question is answered by O or N typed alone, never by Entrée nor by a scanner's keys
(`cabas.caisse.core.keys`): what a scanner types during it is scanned afterwards.
"""

from __future__ import annotations

import _tkinter
import contextlib
import queue
import threading
import time
import tkinter as tk
from collections.abc import Callable
from datetime import UTC, datetime
from tkinter import font as tkfont
from tkinter import ttk
from typing import Any

import cabas
from cabas.caisse.core.app import TillContext
from cabas.caisse.core.cart import CartSummary
from cabas.caisse.core.catalog import Catalog
from cabas.caisse.core.keys import ANSWER_QUIET_MS, ENTER, QuestionKeys, scanned_tail
from cabas.caisse.core.launcher import signal_ready
from cabas.caisse.core.link import StatusInfo
from cabas.caisse.core.receipt import METHOD_LABELS, Receipt
from cabas.caisse.core.sync import SyncAgent, SyncReport, SyncStatus
from cabas.caisse.core.till import Till
from cabas.caisse.core.updater import Updater
from cabas.caisse.core.view import Level
from cabas.protocol import (
    PAYMENT_METHODS,
    PaymentMethod,
    ProductItem,
    Snapshot,
    Ticket,
    receipt_number,
)
from cabas.rules.money import format_euros
from cabas.rules.quotas import format_quantity

POLL_MS = 100
COLOURS = {"info": "#1b4d2b", "warning": "#8a4b00", "error": "#b00020"}
BACKGROUNDS = {"info": "#e7f4ea", "warning": "#fff1d6", "error": "#fde2e4"}
OLD_MESSAGE = "#6b6b6b"
MESSAGES_SHOWN = 4
"""Messages listed, newest first: those of the cashier's last action in their colour, older
ones in grey (an error does not stay red once the next scan went well)."""
RECEIPT_WIDTH = 42
# Keys that start an action at the scan field: the messages of earlier actions turn grey.
ACTION_KEYS = ("Return", "KP_Enter", "Escape", "Delete", *(f"F{n}" for n in range(1, 13)))
METHOD_KEYS: dict[str, PaymentMethod] = {
    "F1": "cash",
    "F2": "card",
    "F3": "cheque",
    "F4": "voucher",
    "F5": "other",
}


def _without_digits(text: str) -> str:
    return "".join(char for char in text if not char.isdigit())


def parse_euros(text: str) -> int | None:
    """ "12,50" / "12.5" / "12" -> cents; None when it is not an amount."""
    cleaned = text.strip().replace("€", "").replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        whole, _, decimals = cleaned.partition(".")
        if not whole.isdigit() and whole != "":
            return None
        if decimals and (not decimals.isdigit() or len(decimals) > 2):
            return None
        return int(whole or "0") * 100 + int((decimals + "00")[:2] or "0")
    except ValueError:
        return None


def parse_grams(text: str) -> int | None:
    """ "750" -> 750 g; "1,5" or "1.250" (a decimal separator) -> kilos to grams."""
    cleaned = text.strip().lower().replace(" ", "").removesuffix("g").removesuffix("k")
    if not cleaned:
        return None
    if "," in cleaned or "." in cleaned:
        whole, _, decimals = cleaned.replace(",", ".").partition(".")
        if not (whole or "0").isdigit() or (decimals and not decimals.isdigit()):
            return None
        return int(whole or "0") * 1000 + int((decimals + "000")[:3])
    return int(cleaned) if cleaned.isdigit() else None


class Dialog(tk.Toplevel):
    """A modal keyboard dialog; Échap closes it."""

    def __init__(self, window: TillWindow, title: str) -> None:
        super().__init__(window.root)
        self.window = window
        self.title(title)
        self.transient(window.root)
        self.configure(padx=20, pady=16, background="white")
        self.result: Any = None
        self.held: list[str] = []
        """Codes a scanner typed into the dialog's field: scanned once it is closed."""
        self.bind("<Escape>", lambda event: self.close())
        self.protocol("WM_DELETE_WINDOW", self.close)

    def label(self, text: str, *, big: bool = False, **grid: Any) -> tk.Label:
        widget = tk.Label(
            self,
            text=text,
            font=self.window.fonts["big" if big else "normal"],
            background="white",
            justify="left",
            anchor="w",
        )
        widget.pack(fill="x", pady=4, **grid)
        return widget

    def entry(self) -> tk.Entry:
        widget = tk.Entry(self, font=self.window.fonts["big"], width=22)
        widget.pack(fill="x", pady=6)
        return widget

    def scan_guard(self, entry: tk.Entry) -> Callable[[Any], bool]:
        """For a field that wants an amount, a weight or a quantity: the returned check, called
        on its Entrée, is True when what ends the field was typed by a scanner (the next
        article scanned too early): that code is taken out of the field and kept, to be
        scanned once the dialog is closed, and the Entrée must be ignored."""
        stamps: list[float] = []
        started = time.monotonic()
        note = tk.Label(
            self, text="", font=self.window.fonts["small"], background="white", anchor="w"
        )
        note.pack(fill="x")

        def at(event: Any) -> float:
            return float(event.time) if event.time else (time.monotonic() - started) * 1000

        def on_key(event: Any) -> None:
            if event.char and event.char.isprintable():
                stamps.append(at(event))
            elif event.keysym in ("BackSpace", "Delete"):
                stamps.clear()  # an edit: what is left is the person's

        entry.bind("<Key>", on_key, add="+")

        def scanned(event: Any) -> bool:
            text = entry.get()
            count = min(len(text), scanned_tail(stamps[-len(text) :] if text else [], at(event)))
            if not count:
                return False
            self.held.append(text[-count:])
            entry.delete(len(text) - count, "end")
            del stamps[-count:]
            note.configure(
                text="Scan gardé pour après : " + " · ".join(self.held),
                foreground=COLOURS["warning"],
            )
            return True

        return scanned

    def run(self, focus: tk.Misc) -> Any:
        self.update_idletasks()
        # Centred on the till window (shops often run without a window manager's placement).
        root = self.window.root
        x = root.winfo_rootx() + max(0, (root.winfo_width() - self.winfo_reqwidth()) // 2)
        y = root.winfo_rooty() + max(0, (root.winfo_height() - self.winfo_reqheight()) // 3)
        self.geometry(f"+{x}+{y}")
        self.configure(highlightthickness=3, highlightbackground="#1b4d2b")
        with contextlib.suppress(tk.TclError):
            self.grab_set()
        # A till's dialogs take the keyboard: the scanner and the cashier type into them.
        focus.focus_force()
        self.focus_widget = focus
        self.window.dialog = self
        self.wait_window(self)
        self.window.dialog = None
        self.window.focus_scan()
        if self.held:
            held = list(self.held)
            self.window.root.after_idle(lambda: self.window._replay_held(held, ""))
        return self.result

    def close(self, result: Any = None) -> None:
        self.result = result
        with contextlib.suppress(tk.TclError):
            self.grab_release()
        self.destroy()


class TillWindow:
    """The window and the view the core talks to."""

    def __init__(self, ctx: TillContext, root: tk.Tk | None = None, *, notice: str = "") -> None:
        self.ctx = ctx
        self.root = root or tk.Tk()
        self.root.title(f"Cabas — caisse — {ctx.config.store.name}")
        self._fit_screen()
        self.root.configure(background="white")
        # 1024×768 screens get slightly smaller type and a narrower right column, so that
        # every column of the cart, the budget and the messages stay whole.
        compact = self.root.winfo_screenwidth() < 1280
        self.side_width = 330 if compact else 410
        self.fonts = {
            "normal": tkfont.Font(family="DejaVu Sans", size=14 if compact else 15),
            "big": tkfont.Font(family="DejaVu Sans", size=18 if compact else 20, weight="bold"),
            "huge": tkfont.Font(family="DejaVu Sans", size=30 if compact else 34, weight="bold"),
            "small": tkfont.Font(family="DejaVu Sans", size=11 if compact else 12),
            "mono": self._mono_fitting(self.side_width - 40),
            "report": tkfont.Font(family="DejaVu Sans Mono", size=13),
        }
        style = ttk.Style(self.root)
        with contextlib.suppress(tk.TclError):
            style.theme_use("clam")
        style.configure("Treeview", font=self.fonts["normal"], rowheight=34)
        style.configure("Treeview.Heading", font=self.fonts["small"])
        style.configure("Budget.Horizontal.TProgressbar", thickness=22, background="#2e7d32")
        style.configure("Over.Horizontal.TProgressbar", thickness=22, background="#b00020")
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.dialog: Dialog | None = None
        self.selected = -1
        self.summary: CartSummary | None = None
        self._cashiers: list[Any] = []
        self._line_count = 0
        self._rows: dict[str, Any] = {}
        self._messages: list[tuple[str, Level, bool]] = []  # newest first; True: this action
        self._build()
        self.till: Till = ctx.till(self)
        status = SyncStatus.load(ctx.data.status_file)
        if status.last_success:
            # Shown from the start: the last sync of this window or of `cabas-caisse sync`.
            self.till.last_sync = datetime.fromisoformat(status.last_success)
        self.agent: SyncAgent | None = None
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.root.protocol("WM_DELETE_WINDOW", self.quit)
        self.show_sign_in()
        self.show_status(self.till.status())
        if notice:
            self.show_message(notice, "warning")
        elif self.till.interrupted_sale_waiting:
            self.show_message(
                "Une vente a été interrompue : identifiez-vous pour la reprendre.", "warning"
            )
        self.root.after(POLL_MS, self._poll)

    # -- layout ------------------------------------------------------------------------------
    def _mono_fitting(self, pixels: int) -> tkfont.Font:
        """The receipt's monospaced font, as large as lets a whole receipt line fit."""
        for size in (10, 9, 8):
            font = tkfont.Font(family="DejaVu Sans Mono", size=size)
            if font.measure("0" * RECEIPT_WIDTH) <= pixels:
                return font
        return font

    def _wrap_to_width(self, label: tk.Label, margin: int = 24) -> None:
        """The label's text wraps at its own width, whatever the screen."""
        label.bind(
            "<Configure>",
            lambda e: label.configure(wraplength=max(200, e.width - margin)),
            add="+",
        )

    def _fit_screen(self) -> None:
        """The whole window on the screen, status bar included, down to the 1366×768 of the
        shops' old PCs (room left for a taskbar and a title bar); maximised where the window
        manager allows it."""
        width = min(1440, self.root.winfo_screenwidth())
        height = min(800, self.root.winfo_screenheight() - 70)
        self.root.geometry(f"{width}x{height}+0+0")
        self.root.minsize(min(width, 1000), min(height, 600))
        with contextlib.suppress(tk.TclError):
            if self.root.tk.call("tk", "windowingsystem") == "x11":
                self.root.attributes("-zoomed", True)
            else:
                self.root.state("zoomed")  # Windows and macOS

    def _build(self) -> None:
        root = self.root
        self.status_var = tk.StringVar(value="")
        self.status_bar = tk.Label(
            root,
            textvariable=self.status_var,
            font=self.fonts["small"],
            anchor="w",
            padx=12,
            pady=6,
            background="#333",
            foreground="white",
        )
        self.status_bar.pack(side="bottom", fill="x")
        self.keys_bar = tk.Label(
            root,
            # No-break spaces inside each key's words: the bar wraps between keys only.
            text="  ·  ".join(
                item.replace(" ", "\u00a0")
                for item in (
                    "F8 PAYER",
                    "F2 Carte client",
                    "F3 Chercher un article",
                    "F4 ou * Quantité",
                    "F5 Poids",
                    "Suppr Retirer la ligne",
                    "Échap Annuler la vente",
                    "F1 Accord d'un responsable",
                    "F6 Réimprimer",
                    "F7 Tickets du jour",
                    "F9 Rembourser",
                    "F10 Ouvrir / clôturer la caisse",
                    "F11 Rapport X",
                    "F12 Changer de caissier",
                )
            ),
            font=self.fonts["small"],
            anchor="w",
            justify="left",
            padx=12,
            pady=3,
            background="#eee",
        )
        self.keys_bar.pack(side="bottom", fill="x")
        self._wrap_to_width(self.keys_bar)
        # The newest message's text (the message list shows the others too).
        self.message_var = tk.StringVar(value="")
        self.message_label = tk.Frame(root, background="white", pady=4)
        self.message_label.pack(side="bottom", fill="x")
        self.message_rows: list[tk.Label] = []
        for index in range(MESSAGES_SHOWN):
            row = tk.Label(
                self.message_label,
                text="",
                font=self.fonts["normal" if index == 0 else "small"],
                anchor="w",
                padx=12,
                pady=2,
                justify="left",
                background="white",
            )
            self._wrap_to_width(row)
            # Always packed, empty or not: the cart does not jump as messages come and go.
            row.pack(fill="x")
            self.message_rows.append(row)

        # Sign-in screen.
        self.sign_in_frame = tk.Frame(root, background="white", padx=40, pady=30)
        tk.Label(
            self.sign_in_frame,
            text="Qui tient la caisse ?",
            font=self.fonts["big"],
            background="white",
        ).pack(anchor="w")
        self.cashier_list = tk.Listbox(
            self.sign_in_frame, font=self.fonts["big"], height=6, exportselection=False
        )
        self.cashier_list.pack(anchor="w", fill="x", pady=10)
        tk.Label(
            self.sign_in_frame,
            text="Code PIN (↑/↓ pour choisir, puis le code et Entrée) :",
            font=self.fonts["normal"],
            background="white",
        ).pack(anchor="w")
        self.pin_entry = tk.Entry(self.sign_in_frame, font=self.fonts["big"], show="•", width=10)
        self.pin_entry.pack(anchor="w", pady=8)
        self.pin_entry.bind("<Return>", self._on_pin)
        self.pin_entry.bind("<Up>", lambda e: self._move_cashier(-1))
        self.pin_entry.bind("<Down>", lambda e: self._move_cashier(1))

        # Sale screen.
        self.sale_frame = tk.Frame(root, background="white", padx=16, pady=10)
        top = tk.Frame(self.sale_frame, background="white")
        top.pack(fill="x")
        self.client_var = tk.StringVar(value="Client sans carte — plein tarif")
        tk.Label(
            top, textvariable=self.client_var, font=self.fonts["big"], background="white"
        ).pack(side="left")
        self.cashier_var = tk.StringVar(value="")
        tk.Label(
            top, textvariable=self.cashier_var, font=self.fonts["small"], background="white"
        ).pack(side="right")
        budget = tk.Frame(self.sale_frame, background="white")
        budget.pack(fill="x", pady=(4, 8))
        self.budget_bar = ttk.Progressbar(
            budget,
            style="Budget.Horizontal.TProgressbar",
            length=220 if self.side_width < 400 else 320,
            maximum=100,
        )
        self.budget_var = tk.StringVar(value="")
        self.budget_label = tk.Label(
            budget,
            textvariable=self.budget_var,
            font=self.fonts["normal"],
            background="white",
            anchor="w",
            justify="left",
        )
        # Left-anchored and wrapping: a long line is never clipped at both ends.
        self.budget_label.pack(side="left", padx=12, fill="x", expand=True)
        self._wrap_to_width(self.budget_label)

        # The scan field is packed before the cart: when room runs short (a small screen,
        # long messages) the cart shrinks, never the field the scanner types into.
        scan_row = tk.Frame(self.sale_frame, background="white")
        scan_row.pack(side="bottom", fill="x", pady=(10, 0))
        middle = tk.Frame(self.sale_frame, background="white")
        middle.pack(fill="both", expand=True)
        columns = ("label", "qty", "unit", "total")
        self.tree = ttk.Treeview(middle, columns=columns, show="headings", selectmode="browse")
        # The article's column takes the room left: the figures' columns keep their width.
        for column, title, width, anchor in (
            ("label", "Article", 200, "w"),
            ("qty", "Quantité", 110, "e"),
            ("unit", "Prix unitaire", 145, "e"),
            ("total", "Total", 115, "e"),
        ):
            self.tree.heading(column, text=title)
            self.tree.column(  # type: ignore[call-overload]
                column,
                width=width,
                minwidth=width if column != "label" else 120,
                anchor=anchor,
                stretch=column == "label",
            )
        self.tree.tag_configure("warn", background="#fff1d6")
        # A fixed width: what is written in it (payments, change) never squeezes the cart.
        right = tk.Frame(middle, background="white", padx=12, width=self.side_width)
        right.pack(side="right", fill="y")
        right.pack_propagate(False)
        tk.Label(right, text="À payer", font=self.fonts["normal"], background="white").pack(
            anchor="e"
        )
        self.total_var = tk.StringVar(value=format_euros(0))
        tk.Label(
            right, textvariable=self.total_var, font=self.fonts["huge"], background="white"
        ).pack(anchor="e")
        self.savings_var = tk.StringVar(value="")
        tk.Label(
            right,
            textvariable=self.savings_var,
            font=self.fonts["normal"],
            background="white",
            foreground="#1b4d2b",
        ).pack(anchor="e")
        self.paid_var = tk.StringVar(value="")
        self.paid_label = tk.Label(
            right,
            textvariable=self.paid_var,
            font=self.fonts["big"],
            background="white",
            foreground="#1b4d2b",
            justify="right",
            wraplength=self.side_width - 30,
        )
        self.paid_label.pack(anchor="e", pady=(6, 8))
        self.receipt_text = tk.Text(
            right,
            font=self.fonts["mono"],
            width=RECEIPT_WIDTH,
            height=8,
            background="#fafafa",
            wrap="none",
        )
        self.receipt_text.pack(anchor="e", fill="both", expand=True, pady=(0, 4))
        self.receipt_text.configure(state="disabled", takefocus=0)
        # Packed after the right column, so that the column keeps its width.
        self.tree.pack(side="left", fill="both", expand=True)

        self.prompt_var = tk.StringVar(value="Scanner un article ou une carte :")
        tk.Label(
            scan_row, textvariable=self.prompt_var, font=self.fonts["normal"], background="white"
        ).pack(side="left")
        self.scan_entry = tk.Entry(scan_row, font=self.fonts["big"], width=22)
        self.scan_entry.pack(side="left", padx=10)
        entry = self.scan_entry
        entry.bind("<Return>", self._on_scan)
        entry.bind("<KP_Enter>", self._on_scan)
        entry.bind("<Up>", lambda e: self._select(-1))
        entry.bind("<Down>", lambda e: self._select(1))
        entry.bind("<Delete>", self._on_delete)
        entry.bind("<F2>", lambda e: self._client_dialog())
        entry.bind("<F3>", lambda e: self.search_dialog())
        entry.bind("<F4>", lambda e: self._quantity_dialog())
        entry.bind("<F5>", lambda e: self._weight_for_selected())
        entry.bind("<F1>", lambda e: self._allow_dialog())
        entry.bind("<F8>", lambda e: self.payment_dialog())
        entry.bind("<F9>", lambda e: self.refund_dialog())
        entry.bind("<F10>", lambda e: self.session_dialog())
        entry.bind("<F11>", lambda e: self.x_report())
        entry.bind("<F12>", lambda e: self._sign_out())
        entry.bind("<F6>", lambda e: self.reprint_dialog())
        entry.bind("<F7>", lambda e: self.todays_tickets_dialog())
        entry.bind("<Escape>", self._on_escape)
        # Before the field's own bindings: each action key turns earlier messages grey.
        entry.bindtags(("CabasAction", *entry.bindtags()))
        for key in ACTION_KEYS:
            entry.bind_class("CabasAction", f"<KeyPress-{key}>", self._age_messages)
        # The focus always comes back to the scan field (a scanner types into it).
        self.root.bind("<FocusIn>", self._keep_focus, add="+")

    # -- focus and screens -------------------------------------------------------------------
    def _keep_focus(self, event: Any) -> None:
        if self.dialog is None and self.sale_frame.winfo_ismapped():
            widget = self.root.focus_get()
            if widget is not self.scan_entry:
                self.root.after_idle(self.focus_scan)

    def focus_scan(self) -> None:
        # focus_force: the till owns the keyboard of its PC (the scanner types into it).
        if self.sale_frame.winfo_ismapped():
            self.scan_entry.focus_force()
        else:
            self.pin_entry.focus_force()

    def show_sign_in(self) -> None:
        self.sale_frame.pack_forget()
        self.keys_bar.pack_forget()  # the sale's keys mean nothing before signing in
        self.sign_in_frame.pack(fill="both", expand=True)
        self.refresh_cashiers()
        self.pin_entry.delete(0, "end")
        self.pin_entry.focus_force()

    def refresh_cashiers(self) -> None:
        """The list of cashiers (again after a sync), keeping the one chosen and the PIN
        being typed."""
        current = self.cashier_list.curselection()
        chosen = self._cashiers[current[0]].id if current and self._cashiers else None
        self.cashier_list.delete(0, "end")
        self._cashiers = self.till.cashiers()
        index = 0
        for position, cashier in enumerate(self._cashiers):
            self.cashier_list.insert("end", cashier.name)
            if cashier.id == chosen:
                index = position
        if self._cashiers:
            self.cashier_list.selection_set(index)
        else:
            self.show_message(
                "Aucun caissier dans les données locales : synchronisez la caisse.", "warning"
            )

    def show_sale(self) -> None:
        self.sign_in_frame.pack_forget()
        if not self.keys_bar.winfo_ismapped():
            self.keys_bar.pack(side="bottom", fill="x", before=self.message_label)
        self.sale_frame.pack(fill="both", expand=True)
        cashier = self.till.cashier
        self.cashier_var.set(f"Caisse : {cashier.name}" if cashier else "")
        self.scan_entry.focus_force()

    def _move_cashier(self, step: int) -> str:
        if not self._cashiers:
            return "break"
        current = self.cashier_list.curselection()
        index = (current[0] if current else 0) + step
        index = max(0, min(len(self._cashiers) - 1, index))
        self.cashier_list.selection_clear(0, "end")
        self.cashier_list.selection_set(index)
        self.cashier_list.see(index)
        return "break"

    def _on_pin(self, event: Any) -> str:
        current = self.cashier_list.curselection()
        if not current or not self._cashiers:
            return "break"
        pin = self.pin_entry.get()
        self.pin_entry.delete(0, "end")
        if self.till.sign_in(self._cashiers[current[0]].id, pin):
            self.show_sale()
        return "break"

    def _sign_out(self) -> str:
        self.till.sign_out()
        if self.till.cashier is None:
            self.show_sign_in()
        return "break"

    # -- scan field --------------------------------------------------------------------------
    def _on_scan(self, event: Any) -> str:
        code = self.scan_entry.get()
        self.scan_entry.delete(0, "end")
        self.paid_var.set("")
        if code.strip() == "" and self.summary and self.summary.lines:
            return "break"
        self.till.scan(code)
        return "break"

    def _select(self, step: int) -> str:
        count = len(self.till.lines)
        if not count:
            return "break"
        self.selected = max(
            0, min(count - 1, (self.selected if self.selected >= 0 else count) + step)
        )
        item = str(self.selected)
        self.tree.selection_set(item)
        self.tree.see(item)
        return "break"

    def _on_delete(self, event: Any) -> str:
        if self.scan_entry.get():
            return ""  # editing the typed code
        index = self.selected if self.selected >= 0 else len(self.till.lines) - 1
        self.till.remove_line(index)
        return "break"

    def _on_escape(self, event: Any) -> str:
        if self.scan_entry.get():
            self.scan_entry.delete(0, "end")
        elif self.till.lines:
            if self.confirm("Annuler toute la vente en cours ?"):
                self.till.cancel_sale()
                self.show_message("Vente annulée.")
        elif self.till.client is not None:
            self.till.clear_client()
            self.show_message("Client retiré : la vente se fait au plein tarif.")
        return "break"

    def _age_messages(self, event: Any = None) -> None:
        """A new action: the messages of the earlier ones stay listed, in grey."""
        if any(fresh for _text, _level, fresh in self._messages):
            self._messages = [(text, level, False) for text, level, _fresh in self._messages]
            self._draw_messages()

    def _replay_held(self, codes: list[str], rest: str) -> None:
        """Scan what a scanner typed during a question, once no dialog is open any more."""
        if self.dialog is not None or not self.sale_frame.winfo_ismapped():
            self.root.after(POLL_MS, lambda: self._replay_held(codes, rest))
            return
        for code in codes:
            self._age_messages()
            self.till.scan(code)
        if rest:
            self.scan_entry.insert("end", rest)

    # -- the view protocol -------------------------------------------------------------------
    def show_cart(self, summary: CartSummary) -> None:
        self.summary = summary
        tree = self.tree
        # Rows are updated in place: a scan formats and redraws the rows that changed (one,
        # or two when a merged line moves to the end), not the whole cart.
        count = len(summary.lines)
        shown = self._line_count
        for index, line in enumerate(summary.lines):
            iid = str(index)
            key = (line.label, line.key, line.warning)
            if index < shown and self._rows.get(iid) == key:
                continue
            price = line.price
            unit = format_euros(price.unit_price_cents) + (" /kg" if line.unit == "kg" else "")
            values = (
                line.label,
                format_quantity(line.quantity, line.unit),
                unit,
                format_euros(price.total_cents),
            )
            tags = ("warn",) if line.warning else ()
            if index < shown:
                tree.item(iid, values=values, tags=tags)
            else:
                tree.insert("", "end", iid=iid, values=values, tags=tags)
            self._rows[iid] = key
        for index in range(count, shown):
            tree.delete(str(index))
            self._rows.pop(str(index), None)
        if summary.lines:
            # The line just scanned is the one selected (merged lines move to the end too).
            if count != self._line_count or not 0 <= self.selected < count:
                self.selected = count - 1
            tree.selection_set(str(self.selected))
            tree.see(str(len(summary.lines) - 1))
        else:
            self.selected = -1
        self._line_count = count
        self.total_var.set(format_euros(summary.total_cents))
        self.savings_var.set(
            f"Économie : {format_euros(summary.savings_cents)}" if summary.savings_cents else ""
        )
        client = summary.client
        if client is None:
            self.client_var.set("Client sans carte — plein tarif")
            self.budget_var.set("Pas de budget suivi (F2 : scanner la carte du foyer)")
            self.budget_label.configure(foreground="#555")
            self.budget_bar.pack_forget()
        else:
            self.client_var.set(f"Client : {client.label}")
            budget = summary.budget
            if budget is not None:
                if not self.budget_bar.winfo_ismapped():
                    self.budget_bar.pack(side="left", before=self.budget_label)
                left_after = budget.left_cents - summary.total_cents
                used = budget.budget_cents - left_after
                ratio = 100 if budget.budget_cents <= 0 else 100 * used / budget.budget_cents
                self.budget_bar["value"] = max(0, min(100, ratio))
                over = left_after < 0
                self.budget_bar.configure(
                    style=("Over" if over else "Budget") + ".Horizontal.TProgressbar"
                )
                if over:
                    text = (
                        f"⚠ Budget du mois ({format_euros(budget.budget_cents)}) dépassé de "
                        f"{format_euros(-left_after)} avec cette vente"
                    )
                else:
                    text = (
                        f"Budget du mois : {format_euros(budget.budget_cents)} · reste après "
                        f"cette vente : {format_euros(left_after)}"
                    )
                self.budget_var.set(text)
                self.budget_label.configure(foreground="#b00020" if over else "black")
        if summary.pending_quantity:
            self.prompt_var.set(f"Quantité {summary.pending_quantity} × : scanner l'article")
        else:
            self.prompt_var.set("Scanner un article ou une carte :")
        if summary.payments:
            paid = "\n".join(
                f"{METHOD_LABELS[p.method]} {format_euros(p.amount_cents)}"
                for p in summary.payments
            )
            self.paid_var.set(f"Payé :\n{paid}\nReste : {format_euros(summary.remaining_cents)}")

    def show_message(self, text: str, level: Level = "info") -> None:
        """Added at the top of the message list: no message hides another of the same action
        (a quota warning under a DLC one), the same text is not listed twice."""
        self.message_var.set(text)
        # A newer count of the same message (a quota warning at each scan) replaces it.
        same = _without_digits(text)
        self._messages = [(text, level, True)] + [
            m for m in self._messages if not (m[1] == level and _without_digits(m[0]) == same)
        ]
        del self._messages[MESSAGES_SHOWN:]
        self._draw_messages()

    def messages(self) -> list[tuple[str, str]]:
        """What the message list shows, newest first: (text, level or "old")."""
        return [(text, level if fresh else "old") for text, level, fresh in self._messages]

    def _draw_messages(self) -> None:
        for index, row in enumerate(self.message_rows):
            if index >= len(self._messages):
                row.configure(text="", background="white")
                continue
            text, level, fresh = self._messages[index]
            row.configure(
                text=text,
                foreground=COLOURS[level] if fresh else OLD_MESSAGE,
                background=BACKGROUNDS[level] if fresh else "white",
            )

    def ask_weight(self, product: ProductItem) -> None:
        self.root.after_idle(lambda: self.weight_dialog(product))

    def confirm(self, question: str) -> bool:
        """O (oui) or N (non) typed alone, or Échap (non); never Entrée nor a scanner's keys
        (see `cabas.caisse.core.keys`): what a scanner types meanwhile is scanned after."""
        dialog = Dialog(self, "Confirmation")
        dialog.label(question, big=True).configure(wraplength=min(700, self.side_width * 2))
        dialog.label("Touche O : oui    ·    touche N ou Échap : non")
        held_label = dialog.label("")
        keys = QuestionKeys()
        started = time.monotonic()

        def settle(mark: int) -> None:
            # Keys already queued first: the one right after an O may show it began a code.
            with contextlib.suppress(tk.TclError):
                while self.root.tk.dooneevent(_tkinter.WINDOW_EVENTS | _tkinter.DONT_WAIT):
                    pass
            if mark != keys.count:  # another key came meanwhile
                return
            answer = keys.settle()
            if answer is not None and dialog.winfo_exists():
                dialog.close(answer)

        def on_key(event: Any) -> str:
            char = ENTER if event.keysym in ("Return", "KP_Enter") else event.char
            if not char or not (char == ENTER or char.isprintable()):
                return "break"
            # The X server's time of the key when there is one (queued keys keep their real
            # spacing), else the time it is handled.
            at = event.time if event.time else (time.monotonic() - started) * 1000
            keys.key(char, at)
            codes, rest = keys.held_codes()
            if codes or rest:
                held_label.configure(
                    text="Scan gardé pour après la question : "
                    + " · ".join(code for code in [*codes, rest] if code),
                    foreground=COLOURS["warning"],
                )
            elif char == ENTER:
                held_label.configure(
                    text="Entrée ne répond pas : touche O ou N.", foreground=COLOURS["error"]
                )
            if keys.settle() is not None:
                mark = keys.count
                dialog.after(ANSWER_QUIET_MS, lambda: settle(mark))
            return "break"

        dialog.bind("<Key>", on_key)
        answer = bool(dialog.run(dialog))
        codes, rest = keys.held_codes()
        if codes or rest:
            self.root.after_idle(lambda: self._replay_held(codes, rest))
        return answer

    def show_paid(self, ticket: Ticket, receipt: Receipt) -> None:
        if ticket.is_refund:
            text = f"REMBOURSÉ {format_euros(-ticket.total_cents)}"
        else:
            text = "PAYÉ ✔"
            if receipt.change_cents:
                text += f"\nRendu : {format_euros(receipt.change_cents)}"
        self.paid_var.set(f"{text}\nTicket {receipt_number(ticket.id)}")
        self.receipt_text.configure(state="normal")
        self.receipt_text.delete("1.0", "end")
        self.receipt_text.insert("1.0", receipt.text)
        self.receipt_text.configure(state="disabled")
        # The end (total, payments, the ticket's number) is what the cashier reads out; once
        # the box has its new size (the "PAYÉ" above it may have grown).
        self.receipt_text.see("end")
        self.receipt_text.after_idle(lambda: self.receipt_text.see("end"))
        self.show_message(
            f"Ticket {receipt_number(ticket.id)} enregistré ({format_euros(ticket.total_cents)})."
        )
        self.wake.set()  # send it now rather than in 10 s

    def show_status(self, status: StatusInfo) -> None:
        self.status_var.set(status.text())
        colour = "#1b4d2b" if status.online else ("#8a4b00" if status.waiting else "#333")
        if status.rejected:
            colour = "#b00020"
        self.status_bar.configure(background=colour)

    # -- dialogs -----------------------------------------------------------------------------
    def _client_dialog(self) -> str:
        dialog = Dialog(self, "Carte client")
        dialog.label("Scannez la carte du foyer (Suppr : retirer le client) :", big=True)
        entry = dialog.entry()

        def done(event: Any) -> str:
            code = entry.get().strip()
            dialog.close(code)
            return "break"

        entry.bind("<Return>", done)
        entry.bind("<Delete>", lambda e: dialog.close(""))
        code = dialog.run(entry)
        if code:
            self.till.set_client(code)
        elif code == "":
            self.till.clear_client()
        return "break"

    def search_dialog(self) -> str:
        dialog = Dialog(self, "Recherche d'un article")
        dialog.label("Tapez une partie du nom, ↑/↓ pour choisir, Entrée pour ajouter :")
        entry = dialog.entry()
        listbox = tk.Listbox(dialog, font=self.fonts["normal"], height=12, width=60)
        listbox.pack(fill="both", expand=True)
        results: list[ProductItem] = []
        searched: list[str] = [""]
        scheduled: list[str] = []

        def refresh() -> None:
            scheduled.clear()
            text = entry.get()
            if text == searched[0]:
                return
            searched[0] = text
            results[:] = self.till.search(text)
            listbox.delete(0, "end")
            names = [product.name.casefold() for product in results]
            for product in results:
                same = names.count(product.name.casefold())
                listbox.insert("end", self._search_row(product, same))
            if results:
                listbox.selection_set(0)

        def on_change(*args: Any) -> None:
            if not scheduled:
                scheduled.append(dialog.after(60, refresh))  # one search per burst of keys

        def move(step: int) -> str:
            refresh()
            if not results:
                return "break"
            current = listbox.curselection()
            index = max(0, min(len(results) - 1, (current[0] if current else -1) + step))
            listbox.selection_clear(0, "end")
            listbox.selection_set(index)
            listbox.see(index)
            return "break"

        def choose(event: Any) -> str:
            refresh()
            current = listbox.curselection()
            if results and current:
                dialog.close(results[current[0]])
            return "break"

        text_var = tk.StringVar(master=dialog)
        entry.configure(textvariable=text_var)
        text_var.trace_add("write", on_change)
        entry.bind("<Up>", lambda e: move(-1))
        entry.bind("<Down>", lambda e: move(1))
        entry.bind("<Return>", choose)
        entry.bind("<KP_Enter>", choose)
        product = dialog.run(entry)
        if isinstance(product, ProductItem):
            self.till.add_product(product.id)
        return "break"

    def _search_row(self, product: ProductItem, same_name: int) -> str:
        """A search result: its price (and the client's, with a card), and when another result
        has the same name what tells them apart (its barcode, its stock)."""
        per = " /kg" if product.unit == "kg" else ""
        row = f"{product.name}  —  {format_euros(product.price_cents)}{per}"
        if self.till.client is not None:
            client_price = self.till.client_unit_price(product)
            if client_price != product.price_cents:
                row += f" (client : {format_euros(client_price)}{per})"
        if same_name > 1:
            code = product.barcodes[0] if product.barcodes else f"article n° {product.id}"
            row += f"  ·  code {code}  ·  stock {format_quantity(product.stock_qty, product.unit)}"
        return row

    def _allow_dialog(self) -> str:
        """F1: a manager's PIN allows the article the till just refused (past its DLC)."""
        product = self.till.refused_product()
        if product is None:
            self.show_message("Aucun article refusé à autoriser.", "warning")
            return "break"
        dialog = Dialog(self, "Autorisation d'un responsable")
        dialog.label(f"« {product.name} » : DLC dépassée.", big=True)
        dialog.label(
            "Seulement si la date du lot est mal saisie : le responsable tape son code PIN "
            "(la vente lui est signalée). Échap : ne pas vendre."
        ).configure(wraplength=min(700, self.side_width * 2))
        entry = tk.Entry(dialog, font=self.fonts["big"], show="•", width=10)
        entry.pack(anchor="w", pady=6)

        def done(event: Any) -> str:
            dialog.close(entry.get())
            return "break"

        entry.bind("<Return>", done)
        entry.bind("<KP_Enter>", done)
        pin = dialog.run(entry)
        if pin:
            self.till.allow_refused(pin)
        return "break"

    def weight_dialog(self, product: ProductItem) -> None:
        dialog = Dialog(self, "Poids")
        dialog.label(f"{product.name} — {format_euros(product.price_cents)} le kilo", big=True)
        dialog.label("Poids en grammes (ou en kilos avec une virgule : 1,250) :")
        entry = dialog.entry()
        scanned = dialog.scan_guard(entry)

        def done(event: Any) -> str:
            if scanned(event):
                return "break"
            grams = parse_grams(entry.get())
            if grams is None:
                entry.delete(0, "end")
                return "break"
            dialog.close(grams)
            return "break"

        entry.bind("<Return>", done)
        entry.bind("<KP_Enter>", done)
        grams = dialog.run(entry)
        if grams:
            self.till.add_weighed(product.id, grams)

    def _weight_for_selected(self) -> str:
        if 0 <= self.selected < len(self.till.lines):
            line = self.till.lines[self.selected]
            if line.unit == "kg":
                self._quantity_dialog()
        return "break"

    def _quantity_dialog(self) -> str:
        typed = self.scan_entry.get().strip()
        if typed.isdigit() and not self.till.lines:
            self.scan_entry.delete(0, "end")
            self.till.set_pending_quantity(int(typed))
            return "break"
        if not 0 <= self.selected < len(self.till.lines):
            self.show_message("Choisissez d'abord une ligne avec ↑/↓.", "warning")
            return "break"
        line = self.till.lines[self.selected]
        if typed.isdigit():
            self.scan_entry.delete(0, "end")
            self.till.set_line_quantity(self.selected, int(typed))
            return "break"
        dialog = Dialog(self, "Quantité")
        unit = "en grammes" if line.unit == "kg" else "en pièces"
        dialog.label(f"{line.label} — nouvelle quantité ({unit}) :", big=True)
        entry = dialog.entry()
        entry.insert(0, str(line.quantity))
        entry.select_range(0, "end")
        scanned = dialog.scan_guard(entry)

        def done(event: Any) -> str:
            if scanned(event):
                return "break"
            text = entry.get()
            value = (
                parse_grams(text) if line.unit == "kg" else (int(text) if text.isdigit() else None)
            )
            dialog.close(value)
            return "break"

        entry.bind("<Return>", done)
        entry.bind("<KP_Enter>", done)
        value = dialog.run(entry)
        if value:
            self.till.set_line_quantity(self.selected, value)
        return "break"

    def payment_dialog(self) -> str:
        if not self.till.begin_payment():
            return "break"
        dialog = Dialog(self, "Paiement")
        total_var = tk.StringVar()
        tk.Label(dialog, textvariable=total_var, font=self.fonts["huge"], background="white").pack(
            anchor="w"
        )
        method_var = tk.StringVar(value="cash")
        hints = "   ".join(f"{key} {METHOD_LABELS[m]}" for key, m in METHOD_KEYS.items())
        dialog.label(hints)
        method_label = dialog.label("", big=True)
        amount_label = dialog.label("Montant (Entrée : le reste dû) :")
        entry = dialog.entry()
        change_var = tk.StringVar()
        tk.Label(dialog, textvariable=change_var, font=self.fonts["big"], background="white").pack(
            anchor="w"
        )

        def refresh() -> None:
            summary = self.till.summary()
            total_var.set(f"Reste à payer : {format_euros(summary.remaining_cents)}")
            method = method_var.get()
            method_label.configure(text=f"Moyen : {METHOD_LABELS[method]}")
            amount_label.configure(
                text="Somme remise par le client (Entrée : le compte juste) :"
                if method == "cash"
                else "Montant (Entrée : le reste dû) :"
            )

        def choose(method: PaymentMethod) -> str:
            method_var.set(method)
            refresh()
            on_type()
            return "break"

        def on_type(*args: Any) -> None:
            cents = parse_euros(entry.get())
            remaining = self.till.summary().remaining_cents
            if method_var.get() == "cash" and cents is not None and cents > remaining:
                change_var.set(f"Rendu : {format_euros(cents - remaining)}")
            else:
                change_var.set("")

        scanned = dialog.scan_guard(entry)

        def pay(event: Any) -> str:
            if scanned(event):
                on_type()
                return "break"
            cents = parse_euros(entry.get())
            method: PaymentMethod = method_var.get()  # type: ignore[assignment]
            if entry.get().strip() and cents is None:
                entry.delete(0, "end")
                return "break"
            remaining = self.till.summary().remaining_cents
            if method == "cash" and cents is not None and cents >= remaining:
                ticket = self.till.add_payment("cash", tendered_cents=cents)
            else:
                ticket = self.till.add_payment(method, cents)
            entry.delete(0, "end")
            change_var.set("")
            if ticket is not None or not self.till.lines:
                dialog.close(ticket)
            else:
                refresh()
            return "break"

        for key, method in METHOD_KEYS.items():
            entry.bind(f"<{key}>", lambda e, m=method: choose(m))  # type: ignore[misc]
        amount_var = tk.StringVar(master=dialog)
        entry.configure(textvariable=amount_var)
        amount_var.trace_add("write", on_type)
        entry.bind("<Return>", pay)
        entry.bind("<KP_Enter>", pay)
        refresh()
        ticket = dialog.run(entry)
        if ticket is None and self.till.payments:
            self.till.cancel_payments()
            self.show_message("Paiement annulé : la vente reste ouverte.", "warning")
        return "break"

    def refund_dialog(self) -> str:
        if self.till.lines:
            self.show_message("Terminez la vente en cours avant un remboursement.", "warning")
            return "break"
        dialog = Dialog(self, "Remboursement")
        dialog.label("Numéro du ticket (les 8 premiers caractères suffisent) :", big=True)
        entry = dialog.entry()

        def give_reference(event: Any) -> str:
            dialog.close(entry.get())
            return "break"

        entry.bind("<Return>", give_reference)
        reference = dialog.run(entry)
        if not reference:
            return "break"
        original = self.till.find_ticket(reference)
        if original is None:
            return "break"
        pick = Dialog(self, "Remboursement")
        pick.label("Ligne à rembourser (↑/↓, Entrée), quantité ensuite :", big=True)
        listbox = tk.Listbox(pick, font=self.fonts["normal"], height=10, width=60)
        listbox.pack(fill="both")
        for line in original.lines:
            listbox.insert(
                "end",
                f"{line.label} — {format_quantity(line.quantity, line.unit)} — "
                f"{format_euros(line.total_cents)}",
            )
        listbox.selection_set(0)

        def pick_line(event: Any) -> str:
            selection = listbox.curselection()
            pick.close(selection[0] if selection else None)
            return "break"

        listbox.bind("<Return>", pick_line)
        index = pick.run(listbox)
        if index is None:
            return "break"
        line = original.lines[index]
        ask = Dialog(self, "Remboursement")
        ask.label(f"{line.label} : quantité à rembourser (Entrée : tout) :", big=True)
        qty_entry = ask.entry()

        def done(event: Any) -> str:
            text = qty_entry.get().strip()
            if not text:
                ask.close(line.quantity)
            else:
                value = (
                    parse_grams(text)
                    if line.unit == "kg"
                    else (int(text) if text.isdigit() else None)
                )
                ask.close(value)
            return "break"

        qty_entry.bind("<Return>", done)
        quantity = ask.run(qty_entry)
        if quantity:
            self._refund_payment(original, {index: quantity})
        return "break"

    def _refund_payment(self, original: Ticket, quantities: dict[int, int]) -> None:
        """How the money goes back: the original's methods proposed, F1…F5 puts it all on
        one method, Entrée validates."""
        lines = self.till.refund_lines(original, quantities)
        if not lines:
            return
        amount = -sum(line.total_cents for line in lines)
        split = self.till.refund_split(original, amount)
        dialog = Dialog(self, "Remboursement")
        dialog.label(
            f"Rendre {format_euros(amount)} (ticket {receipt_number(original.id)}) :", big=True
        )
        shown = dialog.label("", big=True)

        def refresh() -> None:
            shown.configure(
                text="\n".join(f"{METHOD_LABELS[m]} : {format_euros(c)}" for m, c in split.items())
            )

        def choose(method: PaymentMethod) -> str:
            split.clear()
            split[method] = amount
            refresh()
            return "break"

        hints = "   ".join(f"{key} {METHOD_LABELS[m]}" for key, m in METHOD_KEYS.items())
        dialog.label(f"Tout sur un moyen : {hints}")
        dialog.label("Entrée : rembourser    ·    Échap : annuler")
        for key, method in METHOD_KEYS.items():
            dialog.bind(f"<{key}>", lambda e, m=method: choose(m))  # type: ignore[misc]
        dialog.bind("<Return>", lambda e: dialog.close(True))
        dialog.bind("<KP_Enter>", lambda e: dialog.close(True))
        refresh()
        if dialog.run(dialog):
            self.till.refund(original, quantities, split)

    def reprint_dialog(self, ticket: Ticket | None = None) -> str:
        """F6: a duplicate of the last receipt (or of the ticket chosen in F7's list)."""
        receipt = self.till.reprint(ticket)
        if receipt is not None:
            self._show_report(receipt.lines, "Duplicata du ticket")
        return "break"

    def todays_tickets_dialog(self) -> str:
        """F7: this till's tickets of today, newest first; Entrée reprints the chosen one."""
        tickets = self.till.todays_tickets()
        if not tickets:
            self.show_message("Aucun ticket aujourd'hui sur cette caisse.", "warning")
            return "break"
        dialog = Dialog(self, "Tickets du jour")
        dialog.label(f"Tickets du jour ({len(tickets)}) — Entrée : réimprimer", big=True)
        listbox = tk.Listbox(dialog, font=self.fonts["report"], height=14, width=60)
        listbox.pack(fill="both", expand=True)
        for ticket in tickets:
            when = ticket.created_at.astimezone(self.till.zone)
            methods = ", ".join(sorted({METHOD_LABELS[p.method] for p in ticket.payments}))
            kind = "REMB. " if ticket.is_refund else ""
            listbox.insert(
                "end",
                f"{when:%H:%M}  {receipt_number(ticket.id)}  {kind}"
                f"{format_euros(ticket.total_cents):>10}  {methods}",
            )
        listbox.selection_set(0)

        def move(step: int) -> str:
            current = listbox.curselection()
            index = max(0, min(len(tickets) - 1, (current[0] if current else 0) + step))
            listbox.selection_clear(0, "end")
            listbox.selection_set(index)
            listbox.see(index)
            return "break"

        def pick(event: Any) -> str:
            current = listbox.curselection()
            dialog.close(tickets[current[0]] if current else None)
            return "break"

        listbox.bind("<Up>", lambda e: move(-1))
        listbox.bind("<Down>", lambda e: move(1))
        listbox.bind("<Return>", pick)
        listbox.bind("<KP_Enter>", pick)
        chosen = dialog.run(listbox)
        if isinstance(chosen, Ticket):
            self.reprint_dialog(chosen)
        return "break"

    def _ask_amount(self, title: str, question: str) -> int | None:
        dialog = Dialog(self, title)
        dialog.label(question, big=True)
        entry = dialog.entry()
        scanned = dialog.scan_guard(entry)

        def done(event: Any) -> str:
            if scanned(event):
                return "break"
            cents = parse_euros(entry.get() or "0")
            if cents is None:
                entry.delete(0, "end")
                return "break"
            dialog.close(cents)
            return "break"

        entry.bind("<Return>", done)
        entry.bind("<KP_Enter>", done)
        result: int | None = dialog.run(entry)
        return result

    def session_dialog(self) -> str:
        session = self.ctx.sessions.current()
        if session is None:
            cents = self._ask_amount("Ouverture de caisse", "Fond de caisse (en euros) :")
            if cents is not None:
                self.till.open_session(cents)
            return "break"
        if not self.confirm("Clôturer la session de caisse maintenant ?"):
            return "break"
        expected = self.ctx.sessions.expected(session)
        counted: dict[str, int] = {}
        for method in PAYMENT_METHODS:
            if method not in expected:
                continue
            cents = self._ask_amount(
                "Clôture", f"Compté en {METHOD_LABELS[method].lower()} (en euros) :"
            )
            if cents is None:
                self.show_message("Clôture annulée.", "warning")
                return "break"
            counted[method] = cents
        report = self.till.close_session(counted)
        if report is not None and self.till.z_report is not None:
            self._show_report(self.till.z_report.lines, "Rapport Z — clôture de la caisse")
        return "break"

    def ask_open_session(self) -> None:
        # After the sign-in has drawn the sale screen (the core asks from sign_in).
        self.root.after_idle(self._open_session_at_sign_in)

    def _open_session_at_sign_in(self) -> None:
        if self.till.cashier is None or self.ctx.sessions.current() is not None:
            return
        cents = self._ask_amount(
            "Ouverture de caisse",
            "La caisse n'est pas ouverte.\nFond de caisse (en euros) ? (Échap : plus tard)",
        )
        if cents is None:
            self.show_message(
                "Caisse non ouverte : les ventes sont refusées jusqu'à l'ouverture (F10).",
                "warning",
            )
        else:
            self.till.open_session(cents)

    def x_report(self) -> str:
        report = self.till.x_report()
        if report is not None:
            self._show_report(report.lines, "Rapport X — caisse en cours")
        return "break"

    def _show_report(self, lines: list[str], title: str) -> None:
        """The whole report in a dialog (it is longer than the receipt box), then kept in
        the receipt box."""
        self.paid_var.set("")  # the last sale's "PAYÉ" is not part of the report
        self.receipt_text.configure(state="normal")
        self.receipt_text.delete("1.0", "end")
        self.receipt_text.insert("1.0", "\n".join(lines))
        self.receipt_text.configure(state="disabled")
        dialog = Dialog(self, title)
        dialog.label(title, big=True)
        text = tk.Text(
            dialog,
            font=self.fonts["report"],
            width=max(len(line) for line in lines) + 1,
            height=min(len(lines), 24),
            background="#fafafa",
            wrap="none",
            relief="flat",
        )
        text.insert("1.0", "\n".join(lines))
        text.configure(state="disabled")
        text.pack(pady=6)
        printed = self.ctx.config.printer is not None
        dialog.label(
            ("Imprimé sur l'imprimante de tickets. " if printed else "")
            + "Entrée ou Échap : fermer"
        )
        # A code scanned while the report is shown closes it and is scanned, not lost.
        typed: list[str] = []

        def on_key(event: Any) -> str:
            if event.keysym in ("Return", "KP_Enter"):
                dialog.close()
            elif event.char and event.char.isprintable():
                typed.append(event.char)
            return "break"

        dialog.bind("<Key>", on_key)
        dialog.run(dialog)
        if "".join(typed).strip():
            self._replay_held(["".join(typed)], "")

    # -- background sync ---------------------------------------------------------------------
    def start_sync(self, agent: SyncAgent | None = None) -> None:
        """Run the sync agent in a background thread; it only talks to the window through
        the queue."""
        if agent is None:
            agent = self.ctx.agent(on_snapshot=self._snapshot_from_thread)
        else:
            agent.on_snapshot = self._snapshot_from_thread
        self.agent = agent

        def loop() -> None:
            while not self.stop.is_set():
                try:
                    report = agent.run_once()
                except Exception as exc:  # noqa: BLE001 - never let the thread die
                    report = SyncReport(state="offline", message=f"Erreur inattendue : {exc}")
                self.events.put(("report", report))
                self.wake.wait(10.0)
                self.wake.clear()

        threading.Thread(target=loop, name="cabas-sync", daemon=True).start()

    def _snapshot_from_thread(self, snapshot: Snapshot) -> None:
        # Built in the agent's thread (it takes a moment with 20,000 products).
        self.events.put(("catalog", (Catalog.build(snapshot), snapshot.generated_at)))

    def _poll(self) -> None:
        try:
            while True:
                kind, payload = self.events.get_nowait()
                if kind == "report":
                    report: SyncReport = payload
                    last = None
                    if report.state == "online":
                        last = datetime.now(UTC)
                    self.till.update_link(report.state, last, report.message)
                    for problem in report.problems:
                        self.show_message(problem, "error")
                elif kind == "message":
                    text, level = payload
                    self.show_message(text, level)
                elif kind == "catalog":
                    catalog, generated_at = payload
                    self.till.replace_catalog(catalog, generated_at, datetime.now(UTC))
                    if self.till.cashier is None:
                        self.refresh_cashiers()
        except queue.Empty:
            pass
        self.root.after(POLL_MS, self._poll)

    def quit(self) -> None:
        if self.till.lines and not self.confirm("Une vente est en cours. Quitter quand même ?"):
            return
        self.till.close()  # the sale in progress, if any, is resumed at the next start
        self.stop.set()
        self.wake.set()
        self.root.destroy()


def run_window(
    ctx: TillContext,
    *,
    notice: str = "",
    on_ready: Callable[[TillWindow], None] | None = None,
    updater: Updater | None = None,
) -> int:
    """Open the till window from local data, start the sync agent and (behind the window,
    whatever the network does) the update check, run until closed."""
    window = TillWindow(ctx, notice=notice)
    window.start_sync()

    def ready() -> None:
        signal_ready(cabas.__version__)
        if updater is not None:
            start_update_check(
                updater, lambda text, level: window.events.put(("message", (text, level)))
            )
        if on_ready is not None:
            on_ready(window)

    window.root.after_idle(ready)
    window.root.mainloop()
    return 0


UPDATE_RETRY_SECONDS = (60.0, 300.0, 1800.0)


def start_update_check(updater: Updater, say: Callable[[str, Level], None]) -> threading.Thread:
    """Check for an update in a thread; a download that fails is tried again later. Only news
    worth a cashier's attention is shown: an installed version, a refused one."""

    def run() -> None:
        for delay in (0.0, *UPDATE_RETRY_SECONDS):
            time.sleep(delay)
            outcome = updater.check_and_install()
            if outcome.installed:
                say(outcome.message, "info")
                return
            if outcome.refused:
                say(outcome.message, "error")
                return
            if not outcome.message.startswith(("Mise à jour impossible", "Mise à jour non")):
                return

    thread = threading.Thread(target=run, name="cabas-update", daemon=True)
    thread.start()
    return thread
