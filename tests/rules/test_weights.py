"""Weights in grams: a movement's weight, what a person types, what a product's name says."""

from __future__ import annotations

import pytest

from cabas.rules.weights import (
    format_kg,
    movement_grams,
    parse_net_weight,
    validate_net_weight,
    weight_in_name,
)


def test_a_kg_product_weighs_its_quantity_and_a_piece_its_net_weight_times_the_pieces() -> None:
    assert movement_grams(1500, "kg", None) == 1500
    assert movement_grams(-3, "piece", 500) == -1500
    assert movement_grams(3, "piece", None) is None  # unknown, never zero


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("500", 500),
        ("500 g", 500),
        ("1,5 kg", 1500),
        ("1.5kg", 1500),
        ("75 cl", 750),
        ("1 L", 1000),
        ("250 ml", 250),
        ("1 000 g", 1000),
        ("", None),
        ("  ", None),
    ],
)
def test_a_typed_weight_is_read_in_grams(text: str, grams: int | None) -> None:
    assert parse_net_weight(text) == grams


@pytest.mark.parametrize("text", ["lourd", "1,5 t", "0", "0,5 g", "200 kg", "-3"])
def test_a_bad_weight_gets_a_french_message(text: str) -> None:
    with pytest.raises(ValueError, match="[Pp]oids"):
        parse_net_weight(text)


def test_a_weight_must_be_whole_grams_up_to_a_hundred_kilos() -> None:
    assert validate_net_weight(None) is None
    assert validate_net_weight(100_000) == 100_000
    for bad in (0, 100_001, True, 1.5):
        with pytest.raises(ValueError):
            validate_net_weight(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "grams"),
    [
        ("Riz long grain 1 kg", 1000),
        ("Lait demi-écrémé 6 x 1 L", 6000),
        ("Compote de pommes 4 x 100 g", 400),
        ("Pommes de terre filet 2,5 kg", 2500),
        ("Huile 75 cl", 750),
        ("Persil bouquet", None),
    ],
)
def test_the_weight_a_name_states(name: str, grams: int | None) -> None:
    assert weight_in_name(name) == grams


def test_kilos_are_shown_the_french_way() -> None:
    assert format_kg(1500) == "1,5\u00a0kg"
    assert format_kg(1_234_500) == "1\u202f234,5\u00a0kg"
    assert format_kg(None) == "sans poids"
