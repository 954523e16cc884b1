from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.rules.quotas import (
    Quota,
    QuotaLine,
    check_quotas,
    format_quantity,
    quota_limit,
)

FAST = settings(max_examples=200, deadline=None)

OIL = Quota(scope="product", target_id="7", label="huile", base_quantity=2)
MEAT = Quota(scope="category", target_id="viande", label="viande", base_quantity=1500, unit="kg")


class TestQuotaLimit:
    def test_it_adds_an_increment_per_extra_person(self) -> None:
        quota = Quota("product", "7", "huile", base_quantity=2, per_extra_person=1)
        assert [quota_limit(quota, size) for size in (1, 2, 5)] == [2, 3, 6]

    def test_a_table_sets_the_limit_by_household_size(self) -> None:
        # Between rows, each person adds the increment to the row below.
        quota = Quota(
            "product", "7", "lait", base_quantity=4, per_extra_person=2, limits_by_size={3: 10}
        )
        assert [quota_limit(quota, size) for size in (1, 2, 3, 4, 6)] == [4, 6, 10, 12, 16]

    def test_a_household_has_a_person(self) -> None:
        with pytest.raises(ValueError, match="au moins une personne"):
            quota_limit(OIL, 0)

    def test_it_refuses_negative_quantities(self) -> None:
        with pytest.raises(ValueError, match="entiers positifs"):
            Quota("product", "7", "huile", base_quantity=-1)

    @FAST
    @given(
        base=st.integers(0, 20),
        step=st.integers(0, 5),
        size=st.integers(1, 15),
    )
    def test_a_larger_household_never_gets_less(self, base: int, step: int, size: int) -> None:
        quota = Quota("product", "7", "huile", base_quantity=base, per_extra_person=step)
        assert quota_limit(quota, size + 1) >= quota_limit(quota, size) >= base


class TestCheckQuotas:
    def test_it_reports_a_cart_over_the_quota_in_french(self) -> None:
        [exceeded] = check_quotas([OIL], {}, [QuotaLine("7", quantity=3)], household_size=1)
        assert (
            exceeded.message == "Quota dépassé : huile, 2 par mois pour ce foyer, 3 dans le panier"
        )
        assert (exceeded.limit, exceeded.in_cart, exceeded.excess) == (2, 3, 1)

    def test_it_counts_what_was_already_bought_this_month(self) -> None:
        [exceeded] = check_quotas(
            [OIL], {OIL.key: 1}, [QuotaLine("7", quantity=2)], household_size=1
        )
        assert exceeded.message == (
            "Quota dépassé : huile, 2 par mois pour ce foyer, déjà 1 ce mois-ci, 2 dans le panier"
        )

    def test_reaching_the_quota_exactly_is_allowed(self) -> None:
        assert check_quotas([OIL], {OIL.key: 1}, [QuotaLine("7")], household_size=1) == []

    def test_the_limit_grows_with_the_household(self) -> None:
        quota = Quota("product", "7", "huile", base_quantity=2, per_extra_person=1)
        lines = [QuotaLine("7", quantity=3)]
        assert check_quotas([quota], {}, lines, household_size=2) == []
        assert len(check_quotas([quota], {}, lines, household_size=1)) == 1

    def test_a_category_quota_counts_its_subcategories(self) -> None:
        lines = [
            QuotaLine("1", ("boeuf", "viande"), 800, "kg"),
            QuotaLine("2", ("volaille", "viande"), 1200, "kg"),
            QuotaLine("3", ("legumes",), 5000, "kg"),
        ]
        [exceeded] = check_quotas([MEAT], {}, lines, household_size=1)
        assert exceeded.in_cart == 2000
        assert exceeded.message == (
            "Quota dépassé : viande, 1,5\u00a0kg par mois pour ce foyer, 2\u00a0kg dans le panier"
        )

    def test_a_quota_only_counts_lines_of_its_unit(self) -> None:
        lines = [QuotaLine("1", ("viande",), 3, "piece")]
        assert check_quotas([MEAT], {}, lines, household_size=1) == []

    def test_a_refund_line_in_the_cart_lowers_the_count(self) -> None:
        lines = [QuotaLine("7", quantity=3), QuotaLine("7", quantity=-1)]
        assert check_quotas([OIL], {}, lines, household_size=1) == []

    def test_a_quota_already_exceeded_is_not_reported_when_the_cart_does_not_add_to_it(
        self,
    ) -> None:
        assert check_quotas([OIL], {OIL.key: 5}, [QuotaLine("8")], household_size=1) == []

    def test_it_reports_every_quota_exceeded_in_order(self) -> None:
        lines = [QuotaLine("7", ("huiles",), 3), QuotaLine("9", ("viande",), 2000, "kg")]
        exceeded = check_quotas([OIL, MEAT], {}, lines, household_size=1)
        assert [e.quota for e in exceeded] == [OIL, MEAT]

    @FAST
    @given(
        limit=st.integers(0, 10),
        before=st.integers(0, 10),
        quantities=st.lists(st.integers(-2, 5), max_size=5),
    )
    def test_it_reports_exactly_when_the_month_would_go_over(
        self, limit: int, before: int, quantities: list[int]
    ) -> None:
        quota = Quota("product", "7", "huile", base_quantity=limit)
        lines = [QuotaLine("7", quantity=q) for q in quantities]
        exceeded = check_quotas([quota], {quota.key: before}, lines, household_size=1)
        in_cart = sum(quantities)
        assert bool(exceeded) == (in_cart > 0 and before + in_cart > limit)


@pytest.mark.parametrize(
    ("quantity", "unit", "text"),
    [
        (3, "piece", "3"),
        (750, "kg", "750\u00a0g"),
        (1000, "kg", "1\u00a0kg"),
        (1500, "kg", "1,5\u00a0kg"),
        (1250, "kg", "1,25\u00a0kg"),
        (-1500, "kg", "-1,5\u00a0kg"),
    ],
)
def test_quantities_display_in_french(quantity: int, unit: str, text: str) -> None:
    assert format_quantity(quantity, unit) == text  # type: ignore[arg-type]
