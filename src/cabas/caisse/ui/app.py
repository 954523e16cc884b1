"""The till window (Tkinter): large fonts, French, keyboard only. It draws what the core
(`cabas.caisse.core.till.Till`) tells it and forwards keys to it, asking what a key needs in
the dialogs of `cabas.caisse.ui.dialogs`; the sync agent's loop runs in a background thread
and talks to the window through a queue polled with ``after()`` (Tk is not thread-safe).

Keys: the scan field always has the focus (a USB scanner types the code and Enter).
  ↑/↓ choose a line · Suppr remove it · F4 or « * » quantity · F5 weight
  F2 client card · F3 search by name · F1 a manager allows a refused article · F8 pay
  F9 refund · F10 cash session · F11 X report · Échap cancel the sale (or drop the client)
  F12 sign out
A yes/no question is answered by O or N typed alone, never by Entrée nor by a scanner's keys
(`cabas.caisse.core.keys`): what a scanner types during it is scanned afterwards.
"""

from __future__ import annotations

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
from cabas.caisse.core.launcher import signal_ready
from cabas.caisse.core.link import StatusInfo
from cabas.caisse.core.receipt import METHOD_LABELS, Receipt
from cabas.caisse.core.sync import SyncAgent, SyncReport
from cabas.caisse.core.till import Till
from cabas.caisse.core.updater import Updater
from cabas.caisse.core.view import Level
from cabas.caisse.ui import dialogs
from cabas.caisse.ui.widgets import BACKGROUNDS, COLOURS, OLD_MESSAGE, Dialog
from cabas.protocol import ProductItem, Snapshot, Ticket, receipt_number
from cabas.rules.money import format_euros
from cabas.rules.quotas import format_quantity

POLL_MS = 100
MESSAGES_SHOWN = 4
"""Messages listed, newest first: those of the cashier's last action in their colour, older
ones in grey (an error does not stay red once the next scan went well)."""
RECEIPT_WIDTH = 42
# Keys that start an action at the scan field: the messages of earlier actions turn grey.
ACTION_KEYS = ("Return", "KP_Enter", "Escape", "Delete", *(f"F{n}" for n in range(1, 13)))


def _without_digits(text: str) -> str:
    return "".join(char for char in text if not char.isdigit())


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

    def replay_held(self, codes: list[str], rest: str) -> None:
        """Scan what a scanner typed during a question, once no dialog is open any more."""
        if self.dialog is not None or not self.sale_frame.winfo_ismapped():
            self.root.after(POLL_MS, lambda: self.replay_held(codes, rest))
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
        return dialogs.ask_yes_no(self, question)

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

    # -- keys that open a dialog: ask (ui.dialogs), then hand the answer to the core ----------
    def _client_dialog(self) -> str:
        code = dialogs.ask_card(self)
        if code:
            self.till.set_client(code)
        elif code == "":
            self.till.clear_client()
        return "break"

    def search_dialog(self) -> str:
        product = dialogs.choose_product(self, self.till.search, self._search_row)
        if product is not None:
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
        pin = dialogs.ask_manager_pin(self, product)
        if pin:
            self.till.allow_refused(pin)
        return "break"

    def weight_dialog(self, product: ProductItem) -> None:
        grams = dialogs.ask_weight(self, product)
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
        if typed.isdigit():
            self.scan_entry.delete(0, "end")
            self.till.set_line_quantity(self.selected, int(typed))
            return "break"
        value = dialogs.ask_quantity(self, self.till.lines[self.selected])
        if value:
            self.till.set_line_quantity(self.selected, value)
        return "break"

    def payment_dialog(self) -> str:
        if not self.till.begin_payment():
            return "break"
        ticket = dialogs.take_payment(self, self.till)
        if ticket is None and self.till.payments:
            self.till.cancel_payments()
            self.show_message("Paiement annulé : la vente reste ouverte.", "warning")
        return "break"

    def refund_dialog(self) -> str:
        if not self.till.begin_refund():
            return "break"
        reference = dialogs.ask_ticket_reference(self)
        if not reference:
            return "break"
        original = self.till.find_ticket(reference)
        if original is None:
            return "break"
        index = dialogs.choose_refund_line(self, original)
        if index is None:
            return "break"
        quantity = dialogs.ask_refund_quantity(self, original.lines[index])
        if not quantity:
            return "break"
        quantities = {index: quantity}
        proposal = self.till.propose_refund(original, quantities)
        if proposal is None:
            return "break"
        split = dialogs.choose_refund_methods(self, original, proposal)
        if split is not None:
            self.till.refund(original, quantities, split)
        return "break"

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
        chosen = dialogs.choose_ticket(self, tickets, self.till.zone)
        if chosen is not None:
            self.reprint_dialog(chosen)
        return "break"

    def session_dialog(self) -> str:
        """F10: open the cash session (its float), or close it (each method counted)."""
        if not self.till.session_open:
            cents = dialogs.ask_amount(self, "Ouverture de caisse", "Fond de caisse (en euros) :")
            if cents is not None:
                self.till.open_session(cents)
            return "break"
        if not self.confirm("Clôturer la session de caisse maintenant ?"):
            return "break"
        counted: dict[str, int] = {}
        for method in self.till.methods_to_count():
            cents = dialogs.ask_amount(
                self, "Clôture", f"Compté en {METHOD_LABELS[method].lower()} (en euros) :"
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
        if not self.till.opening_wanted:
            return
        cents = dialogs.ask_amount(
            self,
            "Ouverture de caisse",
            "La caisse n'est pas ouverte.\nFond de caisse (en euros) ? (Échap : plus tard)",
        )
        if cents is None:
            self.till.decline_opening()
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
        typed = dialogs.show_report(self, lines, title, printed=self.ctx.config.printer is not None)
        # A code scanned while the report is shown closes it and is scanned, not lost.
        if typed.strip():
            self.replay_held([typed], "")

    # -- background sync ---------------------------------------------------------------------
    def start_sync(self, agent: SyncAgent | None = None) -> None:
        """Run the sync agent's loop (`SyncAgent.run_forever`) in a background thread; it only
        talks to the window through the queue. A sale wakes it (``show_paid``)."""
        if agent is None:
            agent = self.ctx.agent(on_snapshot=self._snapshot_from_thread)
        else:
            agent.on_snapshot = self._snapshot_from_thread
        self.agent = agent
        threading.Thread(
            target=agent.run_forever,
            args=(self.stop,),
            kwargs={"on_report": self._report_from_thread, "wake": self.wake},
            name="cabas-sync",
            daemon=True,
        ).start()

    def _report_from_thread(self, report: SyncReport) -> None:
        self.events.put(("report", report))

    def _snapshot_from_thread(self, snapshot: Snapshot) -> None:
        # Built in the agent's thread (it takes a moment with 20,000 products).
        self.events.put(("catalog", (Catalog.build(snapshot), snapshot.generated_at)))

    def _poll(self) -> None:
        try:
            while True:
                kind, payload = self.events.get_nowait()
                if kind == "report":
                    self.till.apply_sync_report(payload)
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
