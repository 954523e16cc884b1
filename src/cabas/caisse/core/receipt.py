"""Receipts: the text of a ticket (savings shown for a beneficiary: full price minus what
they paid), printed on an ESC/POS printer with python-escpos when the till has one,
otherwise shown on screen."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from cabas.caisse.core.config import PrinterConfig
from cabas.protocol import Ticket, receipt_number
from cabas.rules.money import format_euros
from cabas.rules.quotas import format_quantity

METHOD_LABELS = {
    "cash": "Espèces",
    "card": "Carte bancaire",
    "cheque": "Chèque",
    "voucher": "Bon d'achat",
    "other": "Autre",
}


def _euros(cents: int) -> str:
    # Receipt printers speak code pages, not Unicode: plain spaces and "EUR".
    return format_euros(cents).replace("\u202f", " ").replace("\u00a0€", " EUR")


def _row(left: str, right: str, width: int) -> str:
    room = width - len(right) - 1
    return f"{left[:room]:<{room}} {right}"


@dataclass(frozen=True)
class ProjectShown:
    """The household's project as the till shows it (when the shop sends it): saved so far,
    the unsent tickets and this one included."""

    label: str
    saved_cents: int
    goal_cents: int

    @property
    def percent(self) -> int:
        if self.goal_cents <= 0:
            return 100
        return max(0, min(100, self.saved_cents * 100 // self.goal_cents))

    @property
    def text(self) -> str:
        return (
            f"Projet « {self.label} » : {format_euros(max(self.saved_cents, 0))} épargnés sur "
            f"{format_euros(self.goal_cents)} ({self.percent} %)."
        )


@dataclass(frozen=True)
class Receipt:
    lines: list[str]
    savings_cents: int
    change_cents: int

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def build_receipt(
    ticket: Ticket,
    *,
    shop_name: str,
    tz: str,
    cashier_name: str = "",
    client_label: str = "",
    width: int = 42,
    duplicate: bool = False,
    project: ProjectShown | None = None,
) -> Receipt:
    when = ticket.created_at.astimezone(ZoneInfo(tz))
    out = [shop_name.center(width)[:width], when.strftime("%d/%m/%Y %H:%M").center(width)]
    if duplicate:
        out.append("DUPLICATA".center(width))
    if ticket.is_refund:
        out.append("REMBOURSEMENT".center(width))
        assert ticket.refund_of is not None
        out.append(f"du ticket {receipt_number(ticket.refund_of)}".center(width))
    out.append("-" * width)
    for line in ticket.lines:
        qty = format_quantity(line.quantity, line.unit).replace("\u00a0", " ")
        out.append(line.label[:width])
        detail = f"  {qty} x {_euros(line.unit_price_cents)}" + ("/kg" if line.unit == "kg" else "")
        out.append(_row(detail, _euros(line.total_cents), width))
    out.append("-" * width)
    out.append(_row("TOTAL", _euros(ticket.total_cents), width))
    for payment in ticket.payments:
        out.append(_row(METHOD_LABELS[payment.method], _euros(payment.amount_cents), width))
        if payment.tendered_cents is not None:
            out.append(_row("  Remis", _euros(payment.tendered_cents), width))
    change = ticket.change_cents
    if change:
        out.append(_row("Rendu", _euros(change), width))
    full = sum(line.full_price_cents for line in ticket.lines)
    savings = full - ticket.total_cents
    if ticket.beneficiary_code and savings and not ticket.is_refund:
        out.append("")
        out.append(_row("Prix plein", _euros(full), width))
        out.append(_row("Vous avez économisé", _euros(savings), width))
    if project is not None and ticket.beneficiary_code and not ticket.is_refund:
        out.append("")
        out.append(f"Votre projet : {project.label}"[:width])
        out.append(
            _row(
                "  Épargné",
                f"{_euros(max(project.saved_cents, 0))} / {_euros(project.goal_cents)}",
                width,
            )
        )
        out.append(_row("  Avancement", f"{project.percent} %", width))
    out.append("")
    if client_label:
        out.append(f"Client : {client_label}"[:width])
    if cashier_name:
        out.append(f"Caisse : {cashier_name}"[:width])
    out.append(f"Ticket {receipt_number(ticket.id)}")
    out.append("Merci et à bientôt !".center(width))
    return Receipt(lines=out, savings_cents=savings, change_cents=change)


def open_printer(config: PrinterConfig) -> Any:
    """The python-escpos printer the configuration names."""
    from escpos import printer

    if config.kind == "usb":
        return printer.Usb(config.usb_vendor_id, config.usb_product_id)
    if config.kind == "network":
        return printer.Network(config.host, port=config.port, timeout=5)
    return printer.File(config.path)


def print_receipt(device: Any, receipt: Receipt) -> None:
    """Send a receipt to an escpos printer object (Usb, Network, File or Dummy)."""
    device.set(align="left")
    for index, line in enumerate(receipt.lines):
        if index == 0:
            device.set(align="center", bold=True, double_height=True)
            device.textln(line.strip())
            device.set(align="left", bold=False, normal_textsize=True)
            continue
        device.textln(line)
    device.cut()
