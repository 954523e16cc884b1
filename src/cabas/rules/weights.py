"""Weights as French food-aid funders count them: integer grams.

A product sold by the kilo weighs what its quantity says (its quantity is already in grams).
A product sold by the piece weighs its *net weight per piece* times the number of pieces,
when that weight is known; when it is not, its weight is **unknown** (``None``), never zero:
the reports list such goods apart ("sans poids") instead of silently counting nothing.

A litre counts as a kilo (the food banks' convention for drinks, milk and oil).
"""

from __future__ import annotations

import re
from decimal import Decimal

from cabas.rules.money import GRAMS_PER_KG, UNIT_KG
from cabas.rules.quantities import parse_decimal

MAX_NET_WEIGHT_G = 100_000
"""The heaviest piece a product may weigh (100 kg): beyond it the entry is a typo."""


def movement_grams(quantity: int, unit: str, net_weight_g: int | None) -> int | None:
    """The signed weight in grams of ``quantity`` of a product (pieces, or grams for ``"kg"``);
    None when the product is sold by the piece with no known weight."""
    if unit == UNIT_KG:
        return quantity
    if net_weight_g is None:
        return None
    return quantity * net_weight_g


def validate_net_weight(grams: int | None) -> int | None:
    """``grams`` if it is None or a whole number of grams from 1 to 100 kg, else ValueError."""
    if grams is None:
        return None
    if isinstance(grams, bool) or not isinstance(grams, int):
        raise ValueError("Le poids net doit être un nombre entier de grammes.")
    if not 1 <= grams <= MAX_NET_WEIGHT_G:
        raise ValueError("Le poids net d'une pièce va de 1 g à 100 kg.")
    return grams


_WEIGHT_TEXT = re.compile(
    r"^\s*(?P<number>\d[\d\s\u00a0\u202f]*(?:[.,]\d+)?)\s*(?P<unit>kg|g|l|cl|ml)?\s*$",
    re.IGNORECASE,
)
_UNIT_GRAMS = {"kg": 1000, "g": 1, "l": 1000, "cl": 10, "ml": 1}


def parse_net_weight(text: str) -> int | None:
    """A weight a person types, in grams: ``"500"`` or ``"500 g"`` → 500, ``"1,5 kg"`` → 1500,
    ``"75 cl"`` → 750 (a litre counts as a kilo); empty → None. ValueError (French) else."""
    cleaned = str(text).strip()
    if not cleaned:
        return None
    found = _WEIGHT_TEXT.match(cleaned)
    if found is None:
        raise ValueError(f"Poids « {text} » illisible : en grammes (500), ou 1,5 kg, 75 cl.")
    number = parse_decimal(found["number"])
    grams = number * _UNIT_GRAMS[(found["unit"] or "g").lower()]
    if grams != grams.to_integral_value():
        raise ValueError(f"Poids « {text} » : au gramme près.")
    return validate_net_weight(int(grams))


_NAME_WEIGHT = re.compile(
    r"(?:(?P<count>\d+)\s*[x×]\s*)?(?P<number>\d+(?:[.,]\d+)?)\s*(?P<unit>kg|g|l|cl|ml)\b",
    re.IGNORECASE,
)


def weight_in_name(name: str) -> int | None:
    """The net weight a product's name states (``"Riz 1 kg"``, ``"Lait 6 x 1 L"``,
    ``"Yaourts 4 x 125 g"``), in grams; None when it states none. The last mention wins
    (``"Sauce tomate 500 g (3 x 166 g)"`` is not expected; the catalogue checks its data)."""
    found = list(_NAME_WEIGHT.finditer(name))
    if not found:
        return None
    match = found[-1]
    number = Decimal(match["number"].replace(",", "."))
    grams = number * _UNIT_GRAMS[match["unit"].lower()] * int(match["count"] or 1)
    return int(grams.to_integral_value())


def format_kg(grams: int | None) -> str:
    """French display in kilos: ``1500`` → ``"1,5 kg"``, ``None`` → ``"sans poids"``."""
    if grams is None:
        return "sans poids"
    text = f"{Decimal(int(grams)) / GRAMS_PER_KG:,.3f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",") + "\u00a0kg"
