from __future__ import annotations

import pytest

from cabas.rules.identifiers import clean_rna, clean_siren, format_siren, luhn_valid


@pytest.mark.parametrize("siren", ["732829320", "552 100 554", "443.061.841", "356000000"])
def test_it_accepts_real_sirens(siren: str) -> None:
    assert len(clean_siren(siren)) == 9


def test_it_keeps_only_the_digits() -> None:
    assert clean_siren(" 732 829 320 ") == "732829320"


@pytest.mark.parametrize(
    ("siren", "words"),
    [
        ("732829321", "clé de contrôle"),
        ("73282932", "9 chiffres"),
        ("73282932000016", "SIRET"),
        ("ABC829320", "que des chiffres"),
        ("", "9 chiffres"),
        ("७३२८२९३२०", "que des chiffres"),
    ],
)
def test_it_refuses_a_wrong_siren_in_french(siren: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        clean_siren(siren)


def test_the_luhn_check_doubles_every_second_digit_from_the_right() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_it_accepts_an_rna_number_and_refuses_other_text() -> None:
    assert clean_rna("w75 123 4567") == "W751234567"
    assert clean_rna("W2A1234567") == "W2A1234567"
    with pytest.raises(ValueError, match="W suivi de 9"):
        clean_rna("751234567")


def test_it_prints_a_siren_in_three_groups() -> None:
    assert format_siren("732829320") == "732 829 320"
