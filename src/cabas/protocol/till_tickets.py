"""Tickets as the till makes them, as JSON-ready dicts, for the demo data, the benches and the
tests: each line priced by the rules, the total paid at once in one payment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from cabas.rules.pricing import FULL_RATE_BP, line_price


def till_line(
    *,
    product_id: int | None,
    label: str,
    quantity: int,
    unit: str,
    full_unit_price_cents: int,
    rate_bp: int = FULL_RATE_BP,
    barcode: str | None = None,
) -> dict[str, Any]:
    """One line at ``rate_bp`` of the full price (a negative ``quantity`` is a refund line,
    its amounts negative too); ``quantity`` in pieces, or grams for ``"kg"``."""
    price = line_price(full_unit_price_cents, quantity, "kg" if unit == "kg" else "piece", rate_bp)
    return {
        "product_id": product_id,
        "barcode": barcode,
        "label": label,
        "quantity": quantity,
        "unit": unit,
        "unit_price_cents": price.unit_price_cents,
        "full_price_cents": price.full_price_cents,
        "total_cents": price.total_cents,
    }


class PricedProduct(Protocol):
    """What a line needs of a catalogue product (the server's model, or the demo's)."""

    pk: Any
    name: str
    unit: str
    price_cents: int


def product_line(
    product: PricedProduct, quantity: int, rate_bp: int = FULL_RATE_BP
) -> dict[str, Any]:
    """A line of ``product`` at ``rate_bp`` of its price, as the till prices it."""
    return till_line(
        product_id=product.pk,
        label=product.name,
        quantity=quantity,
        unit=product.unit,
        full_unit_price_cents=product.price_cents,
        rate_bp=rate_bp,
    )


def till_ticket(
    lines: Sequence[dict[str, Any]],
    *,
    created_at: datetime | str,
    cashier_id: int | None,
    beneficiary_code: str | None = None,
    cash_session_id: UUID | str | None = None,
    refund_of: str | None = None,
    ticket_id: UUID | str | None = None,
    method: str = "cash",
    tendered_cents: int | None = None,
) -> dict[str, Any]:
    """The ticket of these lines, paid in full by ``method`` (no payment when it comes to
    nothing); ``tendered_cents``: the note a client handed over for a cash payment."""
    total = sum(line["total_cents"] for line in lines)
    payment: dict[str, Any] = {"method": method, "amount_cents": total}
    if tendered_cents is not None:
        payment["tendered_cents"] = tendered_cents
    return {
        "id": str(ticket_id or uuid4()),
        "created_at": created_at.isoformat() if isinstance(created_at, datetime) else created_at,
        "cashier_id": cashier_id,
        "beneficiary_code": beneficiary_code,
        "cash_session_id": None if cash_session_id is None else str(cash_session_id),
        "lines": list(lines),
        "payments": [payment] if total else [],
        "total_cents": total,
        "refund_of": refund_of,
    }
