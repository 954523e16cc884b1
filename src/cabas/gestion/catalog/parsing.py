"""Reading and writing amounts as people type them ("1,35", "1.35 €", "12,5 %"), shared by the
forms and the spreadsheet import/export."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from cabas.rules.money import round_cents

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def parse_euros(text: str) -> int:
    """ "1,35" / "1.35" / "1,35 €" / "2" → cents. Raises ValueError (French) otherwise."""
    cleaned = _SPACES.sub("", str(text)).replace("€", "").replace(",", ".")
    if not cleaned:
        raise ValueError("Montant manquant.")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"« {text} » n'est pas un montant en euros (par exemple 1,35).") from error
    if not amount.is_finite():
        raise ValueError(f"« {text} » n'est pas un montant en euros (par exemple 1,35).")
    if amount < 0:
        raise ValueError("Un montant ne peut pas être négatif.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"« {text} » a plus de deux chiffres après la virgule.")
    if amount >= Decimal(10_000_000):
        raise ValueError(f"« {text} » est un montant trop élevé.")
    return round_cents(amount * 100)


def parse_percent(text: str) -> int:
    """ "20" / "12,5 %" / "5.5" → basis points (2000, 1250, 550). Raises ValueError (French)."""
    cleaned = _SPACES.sub("", str(text)).replace("%", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"« {text} » n'est pas un pourcentage (par exemple 20 ou 5,5).") from error
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError("Un pourcentage est compris entre 0 et 100.")
    basis_points = value * 100
    if basis_points != basis_points.to_integral_value():
        raise ValueError(f"« {text} » : deux chiffres après la virgule au plus.")
    return int(basis_points)


def format_amount(cents: int) -> str:
    """1234 → "12,34" (no currency sign: for form fields and spreadsheets)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros},{rest:02d}"


def format_percent(basis_points: int) -> str:
    """550 → "5,5", 2000 → "20"."""
    whole, rest = divmod(basis_points, 100)
    decimals = f"{rest:02d}".rstrip("0")
    return f"{whole},{decimals}" if decimals else str(whole)
