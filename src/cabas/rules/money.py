"""Money arithmetic shared by the till and the server: integer cents, one rounding rule.

Rounding rule (written once, used on both sides): a fractional amount of cents is rounded
half up, away from zero for negative amounts (refunds mirror sales exactly), so that
``line_total_cents(-q, p, unit) == -line_total_cents(q, p, unit)``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

Unit = Literal["piece", "kg"]

UNIT_PIECE: Unit = "piece"
UNIT_KG: Unit = "kg"
GRAMS_PER_KG = 1000


def round_cents(amount: Fraction | Decimal | int) -> int:
    """Round an exact amount of cents to an integer, half away from zero."""
    value = (
        Decimal(amount.numerator) / Decimal(amount.denominator)
        if isinstance(amount, Fraction)
        else Decimal(amount)
    )
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_total_cents(quantity: int, unit_price_cents: int, unit: Unit) -> int:
    """Total of a ticket line.

    ``quantity`` is a number of pieces, or grams for a ``"kg"`` product whose
    ``unit_price_cents`` is then the price per kilo.
    """
    if unit == UNIT_KG:
        return round_cents(Fraction(quantity * unit_price_cents, GRAMS_PER_KG))
    return quantity * unit_price_cents


def format_euros(cents: int) -> str:
    """French display of an amount: ``1234`` → ``"12,34 €"``, ``-5`` → ``"-0,05 €"``."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€"
