from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.rules.dates import allocate_fefo, fefo_order, sellability

FAST = settings(max_examples=200, deadline=None)
TODAY = date(2026, 5, 12)


class TestSellability:
    @pytest.mark.parametrize(
        ("dlc", "ddm", "expected"),
        [
            (None, None, "ok"),
            (TODAY, None, "ok"),  # the DLC itself may still be sold
            (TODAY - timedelta(days=1), None, "dlc_passed"),
            (None, TODAY, "ok"),
            (None, TODAY - timedelta(days=1), "ddm_passed"),
            (TODAY - timedelta(days=1), TODAY - timedelta(days=30), "dlc_passed"),
            (TODAY + timedelta(days=3), TODAY - timedelta(days=1), "ddm_passed"),
        ],
    )
    def test_it_tells_whether_a_product_may_be_sold(
        self, dlc: date | None, ddm: date | None, expected: str
    ) -> None:
        assert sellability(dlc, ddm, TODAY) == expected


@dataclass(frozen=True)
class Lot:
    name: str
    expiry: date | None
    received: date | None


class TestFefoOrder:
    def test_the_first_to_expire_comes_first_and_undated_lots_last(self) -> None:
        lots = [
            Lot("undated", None, date(2026, 1, 1)),
            Lot("late", date(2026, 9, 1), date(2026, 1, 1)),
            Lot("soon", date(2026, 6, 1), date(2026, 3, 1)),
        ]
        assert [lot.name for lot in fefo_order(lots)] == ["soon", "late", "undated"]

    def test_same_expiry_goes_by_reception_oldest_first(self) -> None:
        expiry = date(2026, 6, 1)
        lots = [
            Lot("unknown", expiry, None),
            Lot("new", expiry, date(2026, 5, 1)),
            Lot("old", expiry, date(2026, 4, 1)),
            Lot("undated-old", None, date(2025, 1, 1)),
            Lot("undated-new", None, date(2026, 1, 1)),
        ]
        assert [lot.name for lot in fefo_order(lots)] == [
            "old",
            "new",
            "unknown",
            "undated-old",
            "undated-new",
        ]

    def test_it_takes_key_functions_for_other_shapes(self) -> None:
        lots = [("b", date(2026, 7, 1)), ("a", date(2026, 6, 1))]
        ordered = fefo_order(lots, expiry=lambda lot: lot[1], received=lambda lot: None)
        assert ordered == [("a", date(2026, 6, 1)), ("b", date(2026, 7, 1))]


class TestAllocateFefo:
    def test_it_empties_the_first_expiring_lot_first(self) -> None:
        lots = [("B", 10, date(2026, 7, 1)), ("A", 3, date(2026, 6, 1)), ("C", 5, None)]
        assert allocate_fefo(lots, 5) == [("A", 3), ("B", 2)]

    def test_what_the_lots_do_not_hold_is_left_without_a_lot(self) -> None:
        lots = [("A", 3, date(2026, 6, 1)), ("B", 0, date(2026, 5, 1))]
        assert allocate_fefo(lots, 5) == [("A", 3), (None, 2)]
        assert allocate_fefo([], 4) == [(None, 4)]

    def test_nothing_to_allocate_gives_no_part(self) -> None:
        assert allocate_fefo([("A", 3, None)], 0) == []

    def test_lots_with_negative_stock_are_skipped(self) -> None:
        assert allocate_fefo([("A", -2, date(2026, 6, 1)), ("B", 5, None)], 3) == [("B", 3)]

    def test_it_refuses_a_negative_quantity(self) -> None:
        with pytest.raises(ValueError, match="négative"):
            allocate_fefo([("A", 3, None)], -1)

    @FAST
    @given(
        lots=st.lists(
            st.tuples(
                st.integers(-5, 50),
                st.none() | st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 1)),
            ),
            max_size=8,
        ),
        quantity=st.integers(0, 300),
    )
    def test_allocation_conserves_the_quantity_and_follows_fefo(
        self, lots: list[tuple[int, date | None]], quantity: int
    ) -> None:
        numbered = [(index, available, expiry) for index, (available, expiry) in enumerate(lots)]
        parts = allocate_fefo(numbered, quantity)
        assert sum(qty for _, qty in parts) == quantity
        assert all(qty > 0 for _, qty in parts)
        unallocated = [qty for lot_id, qty in parts if lot_id is None]
        assert len(unallocated) <= 1 and (not unallocated or parts[-1][0] is None)
        taken = {lot_id: qty for lot_id, qty in parts if lot_id is not None}
        for lot_id, available, _ in numbered:
            assert taken.get(lot_id, 0) <= max(available, 0)
        if unallocated:
            assert all(
                taken.get(lot_id, 0) == available
                for lot_id, available, _ in numbered
                if available > 0
            )

        # A lot is only touched once every lot expiring strictly earlier is empty.
        def rank(expiry: date | None) -> date:
            return date.max if expiry is None else expiry

        for lot_id in taken:
            for other_id, available, expiry in numbered:
                if available > 0 and rank(expiry) < rank(numbered[lot_id][2]):
                    assert taken.get(other_id, 0) == available
