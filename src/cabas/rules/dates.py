"""Dates: whether a product may be sold (DLC, DDM), which lots go first (FEFO), and months
added to a day (periods of rights, delays before anonymisation).

A *DLC* (date limite de consommation, "use by") is the last day a product may be sold; a
*DDM* (date de durabilité minimale, "best before") may pass: the product is still sold, flagged.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from typing import Any, Literal, TypeVar

Sellability = Literal["ok", "ddm_passed", "dlc_passed"]

LotT = TypeVar("LotT")
LotId = TypeVar("LotId", bound=Hashable)


def sellability(dlc: date | None, ddm: date | None, today: date) -> Sellability:
    """``"dlc_passed"`` once the day after the DLC has come (the DLC itself may still be sold),
    else ``"ddm_passed"`` once the day after the DDM has come, else ``"ok"``."""
    if dlc is not None and today > dlc:
        return "dlc_passed"
    if ddm is not None and today > ddm:
        return "ddm_passed"
    return "ok"


def _expiry_attr(lot: Any) -> date | None:
    expiry: date | None = lot.expiry
    return expiry


def _received_attr(lot: Any) -> date | None:
    received: date | None = lot.received
    return received


def fefo_order(
    lots: Iterable[LotT],
    *,
    expiry: Callable[[LotT], date | None] = _expiry_attr,
    received: Callable[[LotT], date | None] = _received_attr,
) -> list[LotT]:
    """Lots first-expiring-first: by expiry date (lots without one last), then by the date
    they were received (oldest first, unknown last). Equal lots keep their order.

    By default the lots' ``expiry`` and ``received`` attributes are read; pass key functions
    for other shapes. Received values must all be dates, or all datetimes.
    """

    def sort_key(lot: LotT) -> tuple[bool, date, bool, date]:
        expires, came = expiry(lot), received(lot)
        return (
            expires is None,
            expires or date.min,
            came is None,
            came or date.min,
        )

    return sorted(lots, key=sort_key)


def allocate_fefo(
    lots: Sequence[tuple[LotId, int, date | None]], quantity: int
) -> list[tuple[LotId | None, int]]:
    """Take ``quantity`` from ``(lot_id, available_qty, expiry)`` lots, first-expiring first
    (lots without a date last, equal dates in the given order: pass them oldest first).

    Returns ``(lot_id, qty)`` parts, and, when the lots do not hold enough, a last
    ``(None, remainder)`` part: the ledger records it without a lot, since a sale that
    happened is never refused. The quantities always add up to ``quantity``.
    """
    if quantity < 0:
        raise ValueError("La quantité à répartir entre les lots ne peut pas être négative.")
    ordered = sorted(lots, key=lambda lot: (lot[2] is None, lot[2] or date.min))
    parts: list[tuple[LotId | None, int]] = []
    remaining = quantity
    for lot_id, available, _expiry in ordered:
        if remaining == 0:
            break
        take = min(available, remaining)
        if take > 0:
            parts.append((lot_id, take))
            remaining -= take
    if remaining > 0:
        parts.append((None, remaining))
    return parts


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
