from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.rules.budget import (
    DEFAULT_BUDGET_SCALE,
    BudgetScale,
    BudgetState,
    month_bounds,
    month_of,
    parse_month,
    reste_a_vivre_cents_per_day,
    rights_status,
)

FAST = settings(max_examples=200, deadline=None)
ZONES = ["Europe/Paris", "Pacific/Noumea", "America/Cayenne", "Indian/Reunion"]


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


class TestMonthOf:
    @pytest.mark.parametrize(
        ("instant", "tz", "month"),
        [
            # Paris, summer time (UTC+2) from 2026-03-29: March ends at 22:00 UTC.
            (utc(2026, 3, 31, 21, 59, 59), "Europe/Paris", "2026-03"),
            (utc(2026, 3, 31, 22, 0, 0), "Europe/Paris", "2026-04"),
            # The night of the change itself stays in March.
            (utc(2026, 3, 29, 0, 59, 59), "Europe/Paris", "2026-03"),
            (utc(2026, 3, 29, 1, 0, 0), "Europe/Paris", "2026-03"),
            # Winter time (UTC+1) again from 2026-10-25: October ends at 23:00 UTC.
            (utc(2026, 10, 31, 22, 59, 59), "Europe/Paris", "2026-10"),
            (utc(2026, 10, 31, 23, 0, 0), "Europe/Paris", "2026-11"),
            (utc(2026, 10, 25, 0, 30), "Europe/Paris", "2026-10"),
            (utc(2026, 10, 25, 1, 30), "Europe/Paris", "2026-10"),
            # Before 1 March, Paris is still in winter time.
            (utc(2026, 2, 28, 22, 59, 59), "Europe/Paris", "2026-02"),
            (utc(2026, 2, 28, 23, 0, 0), "Europe/Paris", "2026-03"),
            # The new year starts in Paris while it is still 31 December in UTC.
            (utc(2025, 12, 31, 23, 0, 0), "Europe/Paris", "2026-01"),
            # Nouméa is UTC+11 all year: its month starts the previous UTC day at 13:00.
            (utc(2026, 2, 28, 12, 59, 59), "Pacific/Noumea", "2026-02"),
            (utc(2026, 2, 28, 13, 0, 0), "Pacific/Noumea", "2026-03"),
            (utc(2026, 10, 31, 13, 0, 0), "Pacific/Noumea", "2026-11"),
            # Cayenne is UTC−3 all year: its month starts at 03:00 UTC.
            (utc(2026, 4, 1, 2, 59, 59), "America/Cayenne", "2026-03"),
            (utc(2026, 4, 1, 3, 0, 0), "America/Cayenne", "2026-04"),
            (utc(2027, 1, 1, 2, 0, 0), "America/Cayenne", "2026-12"),
        ],
    )
    def test_it_follows_the_shops_time_zone(self, instant: datetime, tz: str, month: str) -> None:
        assert month_of(instant, tz) == month

    def test_it_accepts_any_offset(self) -> None:
        instant = datetime(2026, 4, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
        assert month_of(instant, "Europe/Paris") == "2026-04"
        assert month_of(instant, "America/Cayenne") == "2026-03"

    def test_it_refuses_a_naive_datetime(self) -> None:
        with pytest.raises(ValueError, match="fuseau horaire"):
            month_of(datetime(2026, 3, 1), "Europe/Paris")

    def test_it_refuses_an_unknown_time_zone(self) -> None:
        with pytest.raises(ValueError, match="Fuseau horaire inconnu"):
            month_of(utc(2026, 3, 1), "Europe/Lutece")


class TestMonthBounds:
    def test_march_in_paris_is_one_hour_short(self) -> None:
        start, end = month_bounds("2026-03", "Europe/Paris")
        assert (start, end) == (utc(2026, 2, 28, 23), utc(2026, 3, 31, 22))
        assert end - start == timedelta(days=31, hours=-1)

    def test_october_in_paris_is_one_hour_long(self) -> None:
        start, end = month_bounds("2026-10", "Europe/Paris")
        assert (start, end) == (utc(2026, 9, 30, 22), utc(2026, 10, 31, 23))
        assert end - start == timedelta(days=31, hours=1)

    def test_december_ends_with_the_new_year(self) -> None:
        assert month_bounds("2026-12", "America/Cayenne") == (
            utc(2026, 12, 1, 3),
            utc(2027, 1, 1, 3),
        )
        assert month_bounds("2026-02", "Pacific/Noumea") == (
            utc(2026, 1, 31, 13),
            utc(2026, 2, 28, 13),
        )

    def test_bounds_are_utc(self) -> None:
        start, end = month_bounds("2026-06", "Pacific/Noumea")
        assert start.tzinfo is UTC and end.tzinfo is UTC

    @pytest.mark.parametrize(
        "month", ["2026-13", "2026-00", "2026-3", "26-03", "2026/03", "", "0000-01"]
    )
    def test_it_refuses_a_malformed_month(self, month: str) -> None:
        with pytest.raises(ValueError, match="Mois invalide"):
            month_bounds(month, "Europe/Paris")

    def test_it_parses_a_month(self) -> None:
        assert parse_month("2026-03") == (2026, 3)

    @FAST
    @given(
        instant=st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
        ),
        tz=st.sampled_from(ZONES),
    )
    def test_every_instant_falls_inside_the_bounds_of_its_month(
        self, instant: datetime, tz: str
    ) -> None:
        month = month_of(instant, tz)
        start, end = month_bounds(month, tz)
        assert start <= instant < end
        assert month_of(start, tz) == month
        assert month_of(end - timedelta(microseconds=1), tz) == month

    @FAST
    @given(year=st.integers(2000, 2099), number=st.integers(1, 12), tz=st.sampled_from(ZONES))
    def test_months_follow_each_other_without_gap(self, year: int, number: int, tz: str) -> None:
        next_month = f"{year + 1}-01" if number == 12 else f"{year}-{number + 1:02d}"
        assert month_bounds(f"{year}-{number:02d}", tz)[1] == month_bounds(next_month, tz)[0]


class TestBudgetState:
    def test_it_counts_pending_tickets_against_the_budget(self) -> None:
        state = BudgetState(budget_cents=3000, spent_cents=1000, pending_cents=500)
        assert state.left_cents == 1500

    def test_a_sale_that_uses_exactly_what_is_left_does_not_exceed(self) -> None:
        state = BudgetState(3000, 1000, 500)
        assert not state.would_exceed(1500)
        assert state.would_exceed(1501)
        assert state.over_budget_cents(1501) == 1
        assert state.over_budget_cents(1500) == 0

    def test_a_refund_never_exceeds(self) -> None:
        assert not BudgetState(3000, 5000).would_exceed(-200)
        assert BudgetState(3000, 5000).over_budget_cents(-200) == 0

    def test_once_over_budget_the_whole_sale_is_over(self) -> None:
        state = BudgetState(3000, 3500)
        assert state.left_cents == -500
        assert state.over_budget_cents(1000) == 1000

    def test_a_waiting_ticket_adds_to_pending(self) -> None:
        assert BudgetState(3000, 1000).with_pending(700) == BudgetState(3000, 1000, 700)

    @FAST
    @given(
        budget=st.integers(0, 100_000),
        spent=st.integers(0, 150_000),
        pending=st.integers(0, 10_000),
        amount=st.integers(-10_000, 100_000),
    )
    def test_the_part_over_budget_is_what_does_not_fit(
        self, budget: int, spent: int, pending: int, amount: int
    ) -> None:
        state = BudgetState(budget, spent, pending)
        over = state.over_budget_cents(amount)
        assert 0 <= over <= max(amount, 0)
        assert (over > 0) == state.would_exceed(amount)
        if amount > 0:
            assert amount - over == min(amount, max(state.left_cents, 0))


class TestBudgetScale:
    @pytest.mark.parametrize(
        ("adults", "children", "cents"),
        [(1, 0, 2000), (2, 0, 3000), (3, 0, 4000), (4, 0, 5000), (1, 3, 3500), (2, 2, 4000)],
    )
    def test_the_default_scale(self, adults: int, children: int, cents: int) -> None:
        assert DEFAULT_BUDGET_SCALE.proposed_budget_cents(adults, children) == cents

    def test_a_shop_may_set_its_own_rows(self) -> None:
        scale = BudgetScale({1: 2500, 3: 5000}, per_extra_adult_cents=1500, per_child_cents=800)
        assert scale.proposed_budget_cents(2, 0) == 4000  # row 1 + one extra adult
        assert scale.proposed_budget_cents(3, 1) == 5800
        assert scale.proposed_budget_cents(5, 0) == 8000

    def test_it_survives_a_json_round_trip(self) -> None:
        scale = BudgetScale({1: 2500, 3: 5000}, per_extra_adult_cents=1500, per_child_cents=800)
        assert BudgetScale.from_dict(json.loads(json.dumps(scale.to_dict()))) == scale
        assert BudgetScale.from_dict({}) == DEFAULT_BUDGET_SCALE

    def test_a_household_has_an_adult(self) -> None:
        with pytest.raises(ValueError, match="au moins un adulte"):
            DEFAULT_BUDGET_SCALE.proposed_budget_cents(0, 2)
        with pytest.raises(ValueError, match="négatif"):
            DEFAULT_BUDGET_SCALE.proposed_budget_cents(1, -1)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"base_cents_by_adults": {}}, "au moins un adulte"),
            ({"base_cents_by_adults": {"2": 3000}}, "commencer à un adulte"),
            ({"base_cents_by_adults": {"un": 3000}}, "Taille de foyer invalide"),
            ({"base_cents_by_adults": {"1": 2000, 2.5: 3000}}, "Taille de foyer invalide"),
            ({"base_cents_by_adults": {"1": -5}}, "Montant invalide"),
            ({"per_child_cents": "5"}, "nombre entier"),
            ({"per_extra_adult_cents": -1}, "positifs"),
            ({"par_enfant": 500}, "Clé inconnue"),
        ],
    )
    def test_it_explains_a_bad_scale_in_french(self, data: dict[str, object], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            BudgetScale.from_dict(data)

    @FAST
    @given(adults=st.integers(1, 12), children=st.integers(0, 12))
    def test_one_more_person_never_lowers_the_default_budget(
        self, adults: int, children: int
    ) -> None:
        budget = DEFAULT_BUDGET_SCALE.proposed_budget_cents(adults, children)
        assert DEFAULT_BUDGET_SCALE.proposed_budget_cents(adults + 1, children) > budget
        assert DEFAULT_BUDGET_SCALE.proposed_budget_cents(adults, children + 1) > budget


class TestRightsStatus:
    start, end = date(2026, 1, 1), date(2026, 6, 30)

    @pytest.mark.parametrize(
        ("today", "suspended", "status"),
        [
            (date(2025, 12, 31), False, "upcoming"),
            (date(2026, 1, 1), False, "active"),
            (date(2026, 6, 30), False, "active"),
            (date(2026, 7, 1), False, "expired"),
            (date(2026, 3, 15), True, "suspended"),
            (date(2026, 7, 1), True, "expired"),
            (date(2025, 12, 31), True, "upcoming"),
        ],
    )
    def test_it_tells_where_rights_stand(self, today: date, suspended: bool, status: str) -> None:
        assert rights_status(self.start, self.end, suspended, today) == status

    def test_it_refuses_an_end_before_the_start(self) -> None:
        with pytest.raises(ValueError, match="précéder"):
            rights_status(self.end, self.start, False, self.start)


class TestResteAVivre:
    def test_it_divides_by_persons_and_thirty_days(self) -> None:
        # (1 200 € − 600 €) / 2 personnes / 30 jours = 10 € par jour et par personne.
        assert reste_a_vivre_cents_per_day(120_000, 60_000, 2) == 1000

    def test_it_rounds_to_the_cent_half_up(self) -> None:
        assert reste_a_vivre_cents_per_day(100_000, 0, 3) == 1111  # 1111,1…
        assert reste_a_vivre_cents_per_day(9_045, 0, 1, days_in_month=30) == 302  # 301,5

    def test_it_goes_negative_when_charges_exceed_resources(self) -> None:
        assert reste_a_vivre_cents_per_day(50_000, 80_000, 1) == -1000

    def test_it_needs_at_least_one_person(self) -> None:
        with pytest.raises(ValueError, match="au moins une personne"):
            reste_a_vivre_cents_per_day(100_000, 0, 0)
