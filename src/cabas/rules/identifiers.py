"""French identifiers of organisations: the SIREN of a firm or association (9 digits, Luhn
key) and the RNA number of an association (W and 9 characters).

Each check returns the identifier as it is stored (spaces removed) or raises ValueError with a
French sentence that says what is wrong.
"""

from __future__ import annotations

import re

# La Poste's SIREN predates the Luhn key and does not satisfy it (INSEE keeps it as it is).
_LA_POSTE_SIREN = "356000000"
_SPACES = re.compile(r"[\s\u00a0\u202f.-]")
_RNA = re.compile(r"^W[0-9][0-9AB][0-9]{7}$")


def luhn_valid(digits: str) -> bool:
    """The Luhn check (ISO/IEC 7812): every second digit from the right doubled."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def clean_siren(text: str) -> str:
    """``"732 829 320"`` → ``"732829320"``; ValueError unless 9 digits with a valid key."""
    value = _SPACES.sub("", str(text))
    if not value.isdigit() or not value.isascii():
        raise ValueError("Un SIREN ne contient que des chiffres (9 chiffres).")
    if len(value) != 9:
        raise ValueError(
            f"Un SIREN a 9 chiffres, celui-ci en a {len(value)} (le SIRET en a 14 : "
            "gardez les 9 premiers)."
        )
    if value != _LA_POSTE_SIREN and not luhn_valid(value):
        raise ValueError("Ce SIREN n'existe pas : sa clé de contrôle est fausse. Vérifiez-le.")
    return value


def clean_rna(text: str) -> str:
    """``"w751234567"`` → ``"W751234567"``; ValueError unless W and 9 characters."""
    value = _SPACES.sub("", str(text)).upper()
    if not _RNA.fullmatch(value):
        raise ValueError(
            "Un numéro RNA commence par W suivi de 9 caractères (exemple : W751234567)."
        )
    return value


def format_siren(value: str) -> str:
    """``"732829320"`` → ``"732 829 320"`` (as printed on official documents)."""
    if len(value) != 9:
        return value
    return f"{value[:3]} {value[3:6]} {value[6:]}"
