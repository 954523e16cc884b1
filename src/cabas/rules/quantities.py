"""Quantities a person types and reads: pieces, or kilos for a weighed product.

One rule for every form, import, export and PDF of the back office: a quantity of a ``"kg"``
product is typed in kilos (a decimal comma or point, at most three decimals), stored in grams
and shown in kilos; a quantity of a ``"piece"`` product is a whole number of pieces.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from cabas.rules.money import GRAMS_PER_KG, UNIT_KG, Unit

# Spaces a person (or a spreadsheet) may put between thousands: "1 500", "1 500".
_GROUPING = re.compile(r"[\s\u00a0\u202f]")


def parse_decimal(text: str) -> Decimal:
    """``"1,5"`` → ``Decimal("1.5")``; ValueError (French) on anything else."""
    cleaned = _GROUPING.sub("", str(text)).replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"« {text} » n'est pas un nombre.") from None
    if not value.is_finite():
        raise ValueError(f"« {text} » n'est pas un nombre.")
    return value


def stored_quantity(value: Decimal | int | str, unit: Unit | str) -> int:
    """What is stored for a typed quantity: pieces as they are, kilos as grams.

    ValueError (French) for a fraction of a piece or more than three decimals of a kilo."""
    number = value if isinstance(value, Decimal) else parse_decimal(str(value))
    if unit == UNIT_KG:
        grams = number * GRAMS_PER_KG
        if grams != grams.to_integral_value():
            raise ValueError("Au plus trois décimales : le gramme près (0,125 kg).")
        return int(grams)
    if number != number.to_integral_value():
        raise ValueError("Un nombre entier de pièces (pour un produit au kilo, en kg).")
    return int(number)


def typed_quantity(stored: int | None, unit: Unit | str) -> str:
    """The text a form shows for a stored quantity: ``1500`` grams → ``"1,5"``."""
    if stored is None:
        return ""
    if unit == UNIT_KG:
        text = f"{Decimal(int(stored)) / GRAMS_PER_KG:.3f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return str(int(stored))


def format_quantity(stored: int | None, unit: Unit | str, *, signed: bool = False) -> str:
    """French display: ``12``; ``1500`` grams → ``"1,5 kg"`` (``"—"`` for None)."""
    if stored is None:
        return "—"
    sign = "+" if signed and stored > 0 else ""
    if unit == UNIT_KG:
        return f"{sign}{typed_quantity(stored, unit)}\u00a0kg"
    return f"{sign}{int(stored)}"


def unit_label(unit: Unit | str) -> str:
    """What a quantity field of this unit counts: "pièces" or "kg"."""
    return "kg" if unit == UNIT_KG else "pièces"
