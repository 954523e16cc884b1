"""What the till's core expects of a view (Tk window, fake view in tests): the core calls
these, the view only draws and forwards the cashier's keys back to the core."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from cabas.caisse.core.cart import CartSummary
    from cabas.caisse.core.link import StatusInfo
    from cabas.caisse.core.receipt import Receipt
    from cabas.protocol import ProductItem, Ticket

Level = Literal["info", "warning", "error"]


class TillView(Protocol):
    def show_cart(self, summary: CartSummary) -> None:
        """Redraw the lines, totals, client and budget."""

    def show_message(self, text: str, level: Level = "info") -> None:
        """A message the cashier must see. The core may send several for one action (a DLC
        note and a quota warning): the view lists them, newest first, none hiding another."""

    def ask_weight(self, product: ProductItem) -> None:
        """A kg product was scanned without a weight: ask for grams, then call
        ``Till.add_weighed``."""

    def confirm(self, question: str) -> bool:
        """A yes/no question. True means go on. The Tk window takes O or N typed alone, never
        Entrée nor a scanner's keys (`cabas.caisse.core.keys`), and scans those afterwards."""

    def show_paid(self, ticket: Ticket, receipt: Receipt) -> None:
        """The ticket is safely on disk: show "payé", the change and the receipt."""

    def show_status(self, status: StatusInfo) -> None:
        """Online/offline, tickets waiting, last sync, price age."""

    def ask_open_session(self) -> None:
        """Signed in while no cash session is open and the shop requires one: ask for the
        float, then call ``Till.open_session`` (the cashier may decline: selling is then
        refused until the session is opened with F10)."""
