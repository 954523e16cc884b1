"""Barcodes: GTIN check digits, UPC-A/EAN-13 normalisation, the shop's internal codes and the
weighed/priced EAN-13 codes that shop scales print (layout below, configurable per shop).

Codes starting with 2 are GS1 "restricted circulation" numbers: each shop decides what they
mean. Cabas reads them through a :class:`ScaleLayout`; the default one is::

    20 SSS NNNNNNN C   internal code (make_internal_code): SSS shop number, NNNNNNN sequence
    2X IIIII VVVVV C   X in 1-3: weighed goods, VVVVV = weight in grams
                       X in 4-6: priced goods,  VVVVV = price in cents
    2X IIII P VVVVV C  the same with the French "price check digit" P (``price_check_digit``),
                       whose value is ignored when decoding and written as 0 when encoding

II… is the item reference the scale was programmed with and C the ordinary EAN-13 check
digit. The product is registered under its *lookup code*: the scale code with every digit after
the reference set to 0 and the check digit recomputed (e.g. ``2112345000008``), which is the
code the shop types in the back office and that every label of that item decodes to.
Prefixes 27-29 are left to the shop; a code whose prefix the layout does not name is an
ordinary EAN-13.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Literal

CodeKind = Literal["ean13", "ean8", "upca", "internal", "invalid"]
ScaleKind = Literal["weight", "price"]

_DIGITS = re.compile(r"[0-9]+")
_PREFIX = re.compile(r"2[0-9]")
_GTIN_LENGTHS = (8, 12, 13)

INTERNAL_STORE_DIGITS = 3
INTERNAL_SEQUENCE_DIGITS = 7


def gtin_check_digit(body: str) -> int:
    """Check digit of a GTIN body (the code without its last digit), GS1 modulo 10.

    From the right, digits are weighted 3, 1, 3, 1…; the check digit brings the sum to a
    multiple of 10. Works for every GTIN length (8, 12, 13, 14).
    """
    if not body or _DIGITS.fullmatch(body) is None:
        raise ValueError(f"Le code « {body} » ne contient pas que des chiffres.")
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body))
    )
    return (10 - total % 10) % 10


def _with_check_digit(body: str) -> str:
    return body + str(gtin_check_digit(body))


def _compact(code: str) -> str:
    return "".join(code.split())


def is_valid_gtin(code: str) -> bool:
    """True for an EAN-13, EAN-8 or UPC-A (12 digits) whose check digit is right."""
    if len(code) not in _GTIN_LENGTHS or _DIGITS.fullmatch(code) is None:
        return False
    return gtin_check_digit(code[:-1]) == int(code[-1])


def normalize(code: str) -> str:
    """The form a code is stored and looked up under.

    Whitespace is removed, and a valid UPC-A becomes the EAN-13 with a leading 0 (the same
    GTIN, and what an EAN scanner reads from the same label), so both forms find the same
    product. Anything else comes back without its whitespace, unchanged.
    """
    compact = _compact(code)
    if len(compact) == 12 and is_valid_gtin(compact):
        return "0" + compact
    return compact


@dataclass(frozen=True)
class ScaleLayout:
    """How a shop's restricted-circulation EAN-13 codes (prefixes 20-29) are laid out."""

    # Any set of strings is accepted; a frozenset is stored, so layouts hash and compare.
    weight_prefixes: AbstractSet[str] = frozenset({"21", "22", "23"})
    price_prefixes: AbstractSet[str] = frozenset({"24", "25", "26"})
    internal_prefixes: AbstractSet[str] = frozenset({"20"})
    reference_digits: int = 5
    value_digits: int = 5
    price_check_digit: bool = False

    def __post_init__(self) -> None:
        for name in ("weight_prefixes", "price_prefixes", "internal_prefixes"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        groups = (self.weight_prefixes, self.price_prefixes, self.internal_prefixes)
        for prefix in set().union(*groups):
            if not isinstance(prefix, str) or _PREFIX.fullmatch(prefix) is None:
                raise ValueError(
                    f"Préfixe « {prefix} » invalide : un préfixe de balance compte deux "
                    "chiffres, de 20 à 29."
                )
        if sum(len(group) for group in groups) != len(set().union(*groups)):
            raise ValueError(
                "Un même préfixe ne peut pas avoir deux usages (poids, prix, interne)."
            )
        if self.reference_digits < 1 or self.value_digits < 1:
            raise ValueError("La référence et la valeur comptent au moins un chiffre chacune.")
        used = 2 + self.reference_digits + int(self.price_check_digit) + self.value_digits
        if used != 12:
            raise ValueError(
                "Un code de balance compte 13 chiffres : 2 de préfixe, la référence, "
                f"{'le chiffre de contrôle du prix, ' if self.price_check_digit else ''}"
                f"la valeur et la clé ; ici {used + 1}."
            )

    @property
    def value_start(self) -> int:
        """Index of the first value digit in the 13-digit code."""
        return 2 + self.reference_digits + int(self.price_check_digit)

    def kind_of(self, prefix: str) -> ScaleKind | None:
        if prefix in self.weight_prefixes:
            return "weight"
        if prefix in self.price_prefixes:
            return "price"
        return None

    def to_dict(self) -> dict[str, object]:
        """The JSON form the server stores per shop (see :func:`parse_scale_layout`)."""
        return {
            "weight_prefixes": sorted(self.weight_prefixes),
            "price_prefixes": sorted(self.price_prefixes),
            "internal_prefixes": sorted(self.internal_prefixes),
            "reference_digits": self.reference_digits,
            "value_digits": self.value_digits,
            "price_check_digit": self.price_check_digit,
        }


DEFAULT_SCALE_LAYOUT = ScaleLayout()

_LAYOUT_KEYS = frozenset(DEFAULT_SCALE_LAYOUT.to_dict())


def _parse_prefixes(key: str, value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f'« {key} » doit être une liste de préfixes, par exemple ["21", "22"].')
    prefixes = list(value)
    if not all(isinstance(prefix, str) for prefix in prefixes):
        raise ValueError(f"« {key} » doit être une liste de préfixes écrits entre guillemets.")
    return frozenset(prefixes)


def _parse_int(key: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"« {key} » doit être un nombre entier.")
    return value


def parse_scale_layout(data: Mapping[str, object]) -> ScaleLayout:
    """Build a layout from its stored JSON form; missing keys take the default values.

    Raises ValueError, with a French message for the manager, on an unknown key, a wrong type,
    a malformed prefix, a prefix used twice or digit counts that do not make 13 digits.
    """
    if not isinstance(data, Mapping):
        raise ValueError("La configuration des codes de balance doit être un objet JSON.")
    unknown = sorted(str(key) for key in data if key not in _LAYOUT_KEYS)
    if unknown:
        raise ValueError(f"Clé inconnue dans la configuration des codes de balance : {unknown[0]}.")
    default = DEFAULT_SCALE_LAYOUT
    price_check_digit = data.get("price_check_digit", default.price_check_digit)
    if not isinstance(price_check_digit, bool):
        raise ValueError("« price_check_digit » doit valoir true ou false.")
    return ScaleLayout(
        weight_prefixes=_parse_prefixes(
            "weight_prefixes", data.get("weight_prefixes", default.weight_prefixes)
        ),
        price_prefixes=_parse_prefixes(
            "price_prefixes", data.get("price_prefixes", default.price_prefixes)
        ),
        internal_prefixes=_parse_prefixes(
            "internal_prefixes", data.get("internal_prefixes", default.internal_prefixes)
        ),
        reference_digits=_parse_int(
            "reference_digits", data.get("reference_digits", default.reference_digits)
        ),
        value_digits=_parse_int("value_digits", data.get("value_digits", default.value_digits)),
        price_check_digit=price_check_digit,
    )


def classify(code: str, layout: ScaleLayout = DEFAULT_SCALE_LAYOUT) -> CodeKind:
    """What a scanned code is. Whitespace is ignored; weighed/priced codes are valid EAN-13s
    and classify as ``"ean13"`` (:func:`decode_scale_code` tells them apart)."""
    compact = _compact(code)
    if not is_valid_gtin(compact):
        return "invalid"
    if len(compact) == 8:
        return "ean8"
    if len(compact) == 12:
        return "upca"
    if compact[:2] in layout.internal_prefixes:
        return "internal"
    return "ean13"


def make_internal_code(store_number: int, sequence: int, *, prefix: str = "20") -> str:
    """An EAN-13 for a product without a barcode: ``20 SSS NNNNNNN C``.

    Any scanner reads it, and the shop number keeps the codes of two shops apart.
    """
    if _PREFIX.fullmatch(prefix) is None:
        raise ValueError(f"Préfixe « {prefix} » invalide pour un code interne.")
    if not 0 <= store_number < 10**INTERNAL_STORE_DIGITS:
        raise ValueError("Le numéro de l'épicerie doit être compris entre 0 et 999.")
    if not 0 <= sequence < 10**INTERNAL_SEQUENCE_DIGITS:
        raise ValueError("Le numéro de séquence doit être compris entre 0 et 9 999 999.")
    body = (
        f"{prefix}{store_number:0{INTERNAL_STORE_DIGITS}d}{sequence:0{INTERNAL_SEQUENCE_DIGITS}d}"
    )
    return _with_check_digit(body)


@dataclass(frozen=True)
class ScaleCode:
    """A decoded weighed or priced label."""

    kind: ScaleKind
    item_reference: str
    """The lookup code the product is registered under (value digits zeroed, key recomputed)."""
    raw_reference: str
    """The reference digits as printed, e.g. ``"12345"``."""
    value: int
    """Grams for ``"weight"``, cents for ``"price"``."""


def decode_scale_code(code: str, layout: ScaleLayout = DEFAULT_SCALE_LAYOUT) -> ScaleCode | None:
    """Decode a weighed/priced EAN-13, or None if the code is not one under this layout
    (another prefix, wrong length or a bad check digit)."""
    compact = _compact(code)
    if len(compact) != 13 or not is_valid_gtin(compact):
        return None
    kind = layout.kind_of(compact[:2])
    if kind is None:
        return None
    start = layout.value_start
    return ScaleCode(
        kind=kind,
        item_reference=_with_check_digit(compact[: 2 + layout.reference_digits].ljust(12, "0")),
        raw_reference=compact[2 : 2 + layout.reference_digits],
        value=int(compact[start : start + layout.value_digits]),
    )


def lookup_code(prefix: str, reference: str, layout: ScaleLayout = DEFAULT_SCALE_LAYOUT) -> str:
    """The code a weighed/priced item is registered under: its labels with a value of 0."""
    return encode_scale_code(prefix, reference, 0, layout)


def encode_scale_code(
    prefix: str, reference: str, value: int, layout: ScaleLayout = DEFAULT_SCALE_LAYOUT
) -> str:
    """The label a scale prints, for tests, demo data and labels printed by the back office."""
    if layout.kind_of(prefix) is None:
        raise ValueError(f"Le préfixe « {prefix} » n'est ni un préfixe de poids ni de prix.")
    if len(reference) != layout.reference_digits or _DIGITS.fullmatch(reference) is None:
        raise ValueError(f"La référence doit compter {layout.reference_digits} chiffres.")
    if not 0 <= value < 10**layout.value_digits:
        raise ValueError(f"La valeur doit tenir en {layout.value_digits} chiffres.")
    price_check = "0" if layout.price_check_digit else ""
    return _with_check_digit(f"{prefix}{reference}{price_check}{value:0{layout.value_digits}d}")
