"""The till window's dialogs (Tkinter): each one asks the cashier one thing by keyboard and
returns the answer (None when dismissed with Échap); the window hands it to the core. Only
the payment dialog talks to the `Till` itself, as each payment may finish the sale."""

from __future__ import annotations

import _tkinter
import contextlib
import time
import tkinter as tk
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from cabas.caisse.core.cart import CartLine
from cabas.caisse.core.keys import ANSWER_QUIET_MS, ENTER, QuestionKeys
from cabas.caisse.core.receipt import METHOD_LABELS
from cabas.caisse.core.till import RefundProposal, Till
from cabas.caisse.ui.widgets import (
    COLOURS,
    Dialog,
    DialogHost,
    parse_euros,
    parse_grams,
    parse_quantity,
)
from cabas.protocol import PaymentMethod, ProductItem, Ticket, TicketLine, receipt_number
from cabas.rules.money import UNIT_KG, format_euros
from cabas.rules.quotas import format_quantity

METHOD_KEYS: dict[str, PaymentMethod] = {
    "F1": "cash",
    "F2": "card",
    "F3": "cheque",
    "F4": "voucher",
    "F5": "other",
}


def ask_yes_no(host: DialogHost, question: str) -> bool:
    """O (oui) or N (non) typed alone, or Échap (non); never Entrée nor a scanner's keys
    (see `cabas.caisse.core.keys`): what a scanner types meanwhile is scanned after."""
    dialog = Dialog(host, "Confirmation")
    dialog.label(question, big=True).configure(wraplength=min(700, host.side_width * 2))
    dialog.label("Touche O : oui    ·    touche N ou Échap : non")
    held_label = dialog.label("")
    keys = QuestionKeys()
    started = time.monotonic()

    def settle(mark: int) -> None:
        # Keys already queued first: the one right after an O may show it began a code.
        with contextlib.suppress(tk.TclError):
            while host.root.tk.dooneevent(_tkinter.WINDOW_EVENTS | _tkinter.DONT_WAIT):
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
        host.root.after_idle(lambda: host.replay_held(codes, rest))
    return answer


def ask_amount(host: DialogHost, title: str, question: str) -> int | None:
    """An amount in euros (a float, a count at the closing), in cents."""
    dialog = Dialog(host, title)
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


def ask_card(host: DialogHost) -> str | None:
    """A household card scanned or typed; "" when the cashier drops the client (Suppr)."""
    dialog = Dialog(host, "Carte client")
    dialog.label("Scannez la carte du foyer (Suppr : retirer le client) :", big=True)
    entry = dialog.entry()

    def done(event: Any) -> str:
        code = entry.get().strip()
        dialog.close(code)
        return "break"

    entry.bind("<Return>", done)
    entry.bind("<Delete>", lambda e: dialog.close(""))
    code: str | None = dialog.run(entry)
    return code


def choose_product(
    host: DialogHost,
    search: Callable[[str], list[ProductItem]],
    row: Callable[[ProductItem, int], str],
) -> ProductItem | None:
    """A product found by a part of its name, listed as ``row(product, same_name_count)``
    shows it."""
    dialog = Dialog(host, "Recherche d'un article")
    dialog.label("Tapez une partie du nom, ↑/↓ pour choisir, Entrée pour ajouter :")
    entry = dialog.entry()
    listbox = tk.Listbox(dialog, font=host.fonts["normal"], height=12, width=60)
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
        results[:] = search(text)
        listbox.delete(0, "end")
        names = [product.name.casefold() for product in results]
        for product in results:
            same = names.count(product.name.casefold())
            listbox.insert("end", row(product, same))
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
    return product if isinstance(product, ProductItem) else None


def ask_manager_pin(host: DialogHost, product: ProductItem) -> str | None:
    """A manager's PIN to allow the article the till refused (past its DLC)."""
    dialog = Dialog(host, "Autorisation d'un responsable")
    dialog.label(f"« {product.name} » : DLC dépassée.", big=True)
    dialog.label(
        "Seulement si la date du lot est mal saisie : le responsable tape son code PIN "
        "(la vente lui est signalée). Échap : ne pas vendre."
    ).configure(wraplength=min(700, host.side_width * 2))
    entry = tk.Entry(dialog, font=host.fonts["big"], show="•", width=10)
    entry.pack(anchor="w", pady=6)

    def done(event: Any) -> str:
        dialog.close(entry.get())
        return "break"

    entry.bind("<Return>", done)
    entry.bind("<KP_Enter>", done)
    pin: str | None = dialog.run(entry)
    return pin


def ask_weight(host: DialogHost, product: ProductItem) -> int | None:
    """The weight of a kg product, in grams."""
    dialog = Dialog(host, "Poids")
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
    result: int | None = dialog.run(entry)
    return result


def ask_quantity(host: DialogHost, line: CartLine) -> int | None:
    """A new quantity for a line of the cart (pieces, or grams)."""
    dialog = Dialog(host, "Quantité")
    unit = "en grammes" if line.unit == UNIT_KG else "en pièces"
    dialog.label(f"{line.label} — nouvelle quantité ({unit}) :", big=True)
    entry = dialog.entry()
    entry.insert(0, str(line.quantity))
    entry.select_range(0, "end")
    scanned = dialog.scan_guard(entry)

    def done(event: Any) -> str:
        if scanned(event):
            return "break"
        dialog.close(parse_quantity(entry.get(), line.unit))
        return "break"

    entry.bind("<Return>", done)
    entry.bind("<KP_Enter>", done)
    value: int | None = dialog.run(entry)
    return value


def take_payment(host: DialogHost, till: Till) -> Ticket | None:
    """F8: payments by method (F1…F5) until the sale is paid; the ticket, or None when the
    cashier left with Échap (the payments taken are the caller's to cancel)."""
    dialog = Dialog(host, "Paiement")
    total_var = tk.StringVar()
    tk.Label(dialog, textvariable=total_var, font=host.fonts["huge"], background="white").pack(
        anchor="w"
    )
    method_var = tk.StringVar(value="cash")
    hints = "   ".join(f"{key} {METHOD_LABELS[m]}" for key, m in METHOD_KEYS.items())
    dialog.label(hints)
    method_label = dialog.label("", big=True)
    amount_label = dialog.label("Montant (Entrée : le reste dû) :")
    entry = dialog.entry()
    change_var = tk.StringVar()
    tk.Label(dialog, textvariable=change_var, font=host.fonts["big"], background="white").pack(
        anchor="w"
    )

    def refresh() -> None:
        summary = till.summary()
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
        change = till.summary().change_cents(method_var.get(), parse_euros(entry.get()))
        change_var.set(f"Rendu : {format_euros(change)}" if change else "")

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
        ticket = till.pay(method, cents)
        entry.delete(0, "end")
        change_var.set("")
        if ticket is not None or not till.lines:
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
    return ticket if isinstance(ticket, Ticket) else None


# -- refunds -------------------------------------------------------------------------------
def ask_ticket_reference(host: DialogHost) -> str | None:
    """The number of the ticket to refund, as printed on its receipt."""
    dialog = Dialog(host, "Remboursement")
    dialog.label("Numéro du ticket (les 8 premiers caractères suffisent) :", big=True)
    entry = dialog.entry()

    def give_reference(event: Any) -> str:
        dialog.close(entry.get())
        return "break"

    entry.bind("<Return>", give_reference)
    reference: str | None = dialog.run(entry)
    return reference


def choose_refund_line(host: DialogHost, original: Ticket) -> int | None:
    """The index of the line of ``original`` to refund."""
    pick = Dialog(host, "Remboursement")
    pick.label("Ligne à rembourser (↑/↓, Entrée), quantité ensuite :", big=True)
    listbox = tk.Listbox(pick, font=host.fonts["normal"], height=10, width=60)
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
    index: int | None = pick.run(listbox)
    return index


def ask_refund_quantity(host: DialogHost, line: TicketLine) -> int | None:
    """How much of a sold line goes back (Entrée alone: all of it)."""
    ask = Dialog(host, "Remboursement")
    ask.label(f"{line.label} : quantité à rembourser (Entrée : tout) :", big=True)
    entry = ask.entry()

    def done(event: Any) -> str:
        text = entry.get().strip()
        ask.close(parse_quantity(text, line.unit) if text else line.quantity)
        return "break"

    entry.bind("<Return>", done)
    quantity: int | None = ask.run(entry)
    return quantity


def choose_refund_methods(
    host: DialogHost, original: Ticket, proposal: RefundProposal
) -> dict[PaymentMethod, int] | None:
    """How the money goes back: the proposal's split shown, F1…F5 puts it all on one method,
    Entrée validates."""
    amount = proposal.amount_cents
    split = dict(proposal.split)
    dialog = Dialog(host, "Remboursement")
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
    return split if dialog.run(dialog) else None


# -- receipts and reports ------------------------------------------------------------------
def choose_ticket(host: DialogHost, tickets: list[Ticket], zone: ZoneInfo) -> Ticket | None:
    """F7: one of today's tickets (newest first), to reprint."""
    dialog = Dialog(host, "Tickets du jour")
    dialog.label(f"Tickets du jour ({len(tickets)}) — Entrée : réimprimer", big=True)
    listbox = tk.Listbox(dialog, font=host.fonts["report"], height=14, width=60)
    listbox.pack(fill="both", expand=True)
    for ticket in tickets:
        when = ticket.created_at.astimezone(zone)
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
    return chosen if isinstance(chosen, Ticket) else None


def show_report(host: DialogHost, lines: list[str], title: str, *, printed: bool) -> str:
    """A whole report (X, Z, a duplicate), until Entrée or Échap. Returns what a scanner
    typed meanwhile (it closes the report), to be scanned rather than lost."""
    dialog = Dialog(host, title)
    dialog.label(title, big=True)
    text = tk.Text(
        dialog,
        font=host.fonts["report"],
        width=max(len(line) for line in lines) + 1,
        height=min(len(lines), 24),
        background="#fafafa",
        wrap="none",
        relief="flat",
    )
    text.insert("1.0", "\n".join(lines))
    text.configure(state="disabled")
    text.pack(pady=6)
    dialog.label(
        ("Imprimé sur l'imprimante de tickets. " if printed else "") + "Entrée ou Échap : fermer"
    )
    typed: list[str] = []

    def on_key(event: Any) -> str:
        if event.keysym in ("Return", "KP_Enter"):
            dialog.close()
        elif event.char and event.char.isprintable():
            typed.append(event.char)
        return "break"

    dialog.bind("<Key>", on_key)
    dialog.run(dialog)
    return "".join(typed)
