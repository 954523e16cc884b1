from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.rules.money import Unit, line_total_cents
from cabas.rules.pricing import (
    FULL_RATE_BP,
    LinePrice,
    Tariff,
    beneficiary_unit_price_cents,
    format_rate,
    full_price_decision,
    line_price,
    resolve_rate,
)

FAST = settings(max_examples=200, deadline=None)

rates = st.integers(0, FULL_RATE_BP)
maybe_rates = st.none() | rates
prices = st.integers(0, 1_000_000)
units: st.SearchStrategy[Unit] = st.sampled_from(["piece", "kg"])


class TestResolveRate:
    def test_the_shop_rate_applies_when_nothing_else_is_set(self) -> None:
        decision = resolve_rate(shop_rate_bp=3000, category_rates_bp=[None, None])
        assert (decision.rate_bp, decision.source) == (3000, "shop")

    def test_the_closest_category_with_a_rate_wins(self) -> None:
        decision = resolve_rate(shop_rate_bp=3000, category_rates_bp=[None, 2000, 1000])
        assert (decision.rate_bp, decision.source, decision.category_level) == (2000, "category", 1)

    def test_a_child_category_overrides_its_parent(self) -> None:
        decision = resolve_rate(shop_rate_bp=3000, category_rates_bp=[1500, 2000])
        assert (decision.rate_bp, decision.category_level) == (1500, 0)

    def test_the_product_rate_overrides_the_categories(self) -> None:
        decision = resolve_rate(shop_rate_bp=3000, category_rates_bp=[1500], product_rate_bp=2500)
        assert (decision.rate_bp, decision.source, decision.category_level) == (
            2500,
            "product",
            None,
        )

    def test_the_household_rate_overrides_everything_but_the_ceiling(self) -> None:
        decision = resolve_rate(
            shop_rate_bp=3000,
            category_rates_bp=[1500],
            product_rate_bp=2500,
            household_rate_bp=1000,
        )
        assert (decision.rate_bp, decision.source) == (1000, "household")
        capped = resolve_rate(shop_rate_bp=3000, household_rate_bp=5000, ceiling_bp=2000)
        assert (capped.rate_bp, capped.source, capped.uncapped_rate_bp) == (2000, "ceiling", 5000)

    def test_a_zero_rate_is_a_rate_not_a_missing_one(self) -> None:
        decision = resolve_rate(shop_rate_bp=3000, product_rate_bp=0)
        assert (decision.rate_bp, decision.source) == (0, "product")

    def test_programme_goods_can_be_free(self) -> None:
        decision = resolve_rate(shop_rate_bp=3000, ceiling_bp=0)
        assert (decision.rate_bp, decision.source) == (0, "ceiling")

    def test_a_ceiling_above_the_rate_changes_nothing(self) -> None:
        decision = resolve_rate(shop_rate_bp=1000, ceiling_bp=2000)
        assert (decision.rate_bp, decision.source, decision.ceiling_bp) == (1000, "shop", 2000)

    def test_it_explains_its_decision_in_french(self) -> None:
        decision = resolve_rate(shop_rate_bp=3000, category_rates_bp=[1250])
        assert decision.label == "12,5\u00a0% (taux de la catégorie)"
        assert full_price_decision().label == "100\u00a0% (plein tarif (sans carte))"

    @pytest.mark.parametrize("bad", [-1, 10_001, True, 20.0])
    def test_it_refuses_a_rate_outside_0_to_10000(self, bad: object) -> None:
        with pytest.raises(ValueError, match="points de base"):
            resolve_rate(shop_rate_bp=bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="Le taux du produit"):
            resolve_rate(shop_rate_bp=2000, product_rate_bp=bad)  # type: ignore[arg-type]

    @FAST
    @given(
        shop=rates,
        categories=st.lists(maybe_rates, max_size=4),
        product=maybe_rates,
        household=maybe_rates,
        ceiling=maybe_rates,
    )
    def test_the_ceiling_is_always_respected(
        self,
        shop: int,
        categories: list[int | None],
        product: int | None,
        household: int | None,
        ceiling: int | None,
    ) -> None:
        decision = resolve_rate(
            shop_rate_bp=shop,
            category_rates_bp=categories,
            product_rate_bp=product,
            household_rate_bp=household,
            ceiling_bp=ceiling,
        )
        if ceiling is not None:
            assert decision.rate_bp <= ceiling
        assert decision.rate_bp == min(
            decision.uncapped_rate_bp, FULL_RATE_BP if ceiling is None else ceiling
        )
        most_specific = next(r for r in [household, product, *categories, shop] if r is not None)
        assert decision.uncapped_rate_bp == most_specific


class TestPrices:
    @pytest.mark.parametrize(
        ("full", "rate", "expected"),
        [
            (199, 3000, 60),  # 59,7 → 60
            (5, 5000, 3),  # 2,5 → 3: half up
            (15, 1000, 2),  # 1,5 → 2
            (14, 1000, 1),  # 1,4 → 1
            (1299, 2500, 325),  # 324,75 → 325
            (1000, 0, 0),
            (1000, FULL_RATE_BP, 1000),
        ],
    )
    def test_the_unit_price_is_rounded_half_up(self, full: int, rate: int, expected: int) -> None:
        assert beneficiary_unit_price_cents(full, rate) == expected

    def test_a_weighed_line_is_priced_from_the_rounded_price_per_kilo(self) -> None:
        # 12,99 €/kg at 25 % → 3,25 €/kg; 750 g → 2,4375 € → 2,44 €.
        assert line_price(1299, 750, "kg", 2500) == LinePrice(
            unit_price_cents=325, total_cents=244, full_price_cents=974
        )
        assert line_price(1299, 750, "kg", 2500).saving_cents == 730

    def test_a_piece_line_multiplies_the_unit_price(self) -> None:
        assert line_price(199, 3, "piece", 3000) == LinePrice(60, 180, 597)

    @FAST
    @given(full=prices, quantity=st.integers(0, 50_000), unit=units, rate=rates)
    def test_a_beneficiary_never_pays_more_than_the_full_price(
        self, full: int, quantity: int, unit: Unit, rate: int
    ) -> None:
        price = line_price(full, quantity, unit, rate)
        assert 0 <= price.unit_price_cents <= full
        assert 0 <= price.total_cents <= price.full_price_cents

    @FAST
    @given(full=prices, quantity=st.integers(0, 50_000), unit=units, a=rates, b=rates)
    def test_a_higher_rate_never_costs_less(
        self, full: int, quantity: int, unit: Unit, a: int, b: int
    ) -> None:
        low, high = sorted((a, b))
        assert beneficiary_unit_price_cents(full, low) <= beneficiary_unit_price_cents(full, high)
        assert (
            line_price(full, quantity, unit, low).total_cents
            <= line_price(full, quantity, unit, high).total_cents
        )

    @FAST
    @given(full=prices, quantity=st.integers(-50_000, 50_000), unit=units, rate=rates)
    def test_a_line_is_self_consistent(
        self, full: int, quantity: int, unit: Unit, rate: int
    ) -> None:
        price = line_price(full, quantity, unit, rate)
        assert price.total_cents == line_total_cents(quantity, price.unit_price_cents, unit)
        assert price.full_price_cents == line_total_cents(quantity, full, unit)

    @FAST
    @given(full=prices, quantity=st.integers(1, 50_000), unit=units, rate=rates)
    def test_a_refund_mirrors_the_sale_exactly(
        self, full: int, quantity: int, unit: Unit, rate: int
    ) -> None:
        sale = line_price(full, quantity, unit, rate)
        refund = line_price(full, -quantity, unit, rate)
        assert refund.unit_price_cents == sale.unit_price_cents
        assert refund.total_cents == -sale.total_cents
        assert refund.full_price_cents == -sale.full_price_cents


class TestTariff:
    tariff = Tariff(
        shop_rate_bp=3000,
        category_rates_bp={"10": 2000, "11": 1000},
        product_rates_bp={"42": 2500},
        origin_ceilings_bp={"programme": 0, "donation": 2000},
    )

    def test_it_resolves_a_product_through_its_category_path(self) -> None:
        decision = self.tariff.rate_for(7, [12, 10], "purchase", None)
        assert (decision.rate_bp, decision.source, decision.category_level) == (2000, "category", 1)

    def test_it_uses_the_product_and_household_overrides(self) -> None:
        assert self.tariff.rate_for(42, [11], None, None).rate_bp == 2500
        assert self.tariff.rate_for(42, [11], None, 1500).source == "household"

    def test_it_applies_the_ceiling_of_the_origin(self) -> None:
        assert self.tariff.rate_for(42, [], "programme", None).rate_bp == 0
        assert self.tariff.rate_for(42, [], "donation", None).rate_bp == 2000
        assert self.tariff.rate_for(42, [], "elsewhere", None).rate_bp == 2500

    def test_a_customer_without_a_card_pays_the_full_price(self) -> None:
        decision = self.tariff.rate_for(42, [11], "programme", None, with_card=False)
        assert (decision.rate_bp, decision.source) == (FULL_RATE_BP, "full_price")

    def test_it_survives_a_json_round_trip(self) -> None:
        assert Tariff.from_dict(json.loads(json.dumps(self.tariff.to_dict()))) == self.tariff

    def test_it_stores_ids_as_strings_so_json_keys_match(self) -> None:
        tariff = Tariff(shop_rate_bp=3000, product_rates_bp={42: 1000})  # type: ignore[dict-item]
        assert tariff.to_dict()["product_rates_bp"] == {"42": 1000}
        assert tariff.rate_for("42", [], None, None).rate_bp == 1000

    def test_it_cannot_be_changed_behind_the_tills_back(self) -> None:
        with pytest.raises(TypeError):
            self.tariff.product_rates_bp["42"] = 0  # type: ignore[index]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({}, "shop_rate_bp"),
            ({"shop_rate_bp": "30"}, "nombre entier"),
            ({"shop_rate_bp": 3000, "rates": {}}, "Clé inconnue"),
            ({"shop_rate_bp": 3000, "product_rates_bp": {"1": 10_001}}, "Le taux du produit"),
            ({"shop_rate_bp": 3000, "origin_ceilings_bp": [0]}, "objet JSON"),
        ],
    )
    def test_it_explains_bad_stored_data_in_french(
        self, data: dict[str, object], message: str
    ) -> None:
        with pytest.raises(ValueError, match=message):
            Tariff.from_dict(data)


@pytest.mark.parametrize(
    ("rate", "text"),
    [(2000, "20\u00a0%"), (1250, "12,5\u00a0%"), (5, "0,05\u00a0%"), (0, "0\u00a0%")],
)
def test_rates_display_as_french_percentages(rate: int, text: str) -> None:
    assert format_rate(rate) == text
