"""The origins of goods as funders name them, and the tariff keys their ceilings read."""

from __future__ import annotations

import pytest

from cabas.rules import pricing
from cabas.rules.pricing import Tariff, programme_origin, tariff_origin


def test_the_funders_origins_are_seven_in_the_order_of_their_returns() -> None:
    assert pricing.ORIGINS == (
        "purchase",
        "food_bank",
        "eu_aid",
        "programme",
        "supermarket",
        "collection",
        "donation",
    )
    assert all(len(origin) <= 16 for origin in pricing.ORIGINS)  # the columns' max_length


@pytest.mark.parametrize(
    ("code", "origin"),
    [
        ("FSE+", "eu_aid"),
        ("fse+", "eu_aid"),
        ("FEAD", "eu_aid"),
        ("PNAA", "programme"),
        ("MMPT", "programme"),
        ("CNES", "programme"),
    ],
)
def test_a_programme_code_says_eu_aid_or_national(code: str, origin: str) -> None:
    assert programme_origin(code) == origin


@pytest.mark.parametrize(
    ("origin", "programme", "key"),
    [
        ("purchase", "", "purchase"),
        ("donation", "", "donation"),
        ("food_bank", "", "donation"),
        ("supermarket", "", "donation"),
        ("collection", "", "donation"),
        ("eu_aid", "FSE+", "programme:FSE+"),
        ("eu_aid", "", "programme:FSE+"),
        ("programme", "PNAA", "programme:PNAA"),
        ("programme", "", "programme"),
    ],
)
def test_the_ceilings_set_before_origins_were_detailed_keep_applying(
    origin: str, programme: str, key: str
) -> None:
    assert tariff_origin(origin, programme) == key
    tariff = Tariff(shop_rate_bp=2000, origin_ceilings_bp={"donation": 500, "programme:FSE+": 0})
    decision = tariff.rate_for(1, [], key, None)
    expected = {"donation": 500, "programme:FSE+": 0}.get(key, 2000)
    assert decision.rate_bp == expected
