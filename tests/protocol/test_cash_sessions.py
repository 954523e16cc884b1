from __future__ import annotations

from typing import Any

import pytest

from cabas.protocol import (
    CashSessionInvalid,
    CashSessionReport,
    cash_session_fingerprint,
    cash_session_outcome,
    parse_cash_session,
    raw_cash_session_id,
)

SESSION_ID = "a3c2f1e0-1111-4222-8333-944455556666"


def _opened(**overrides: Any) -> dict[str, Any]:
    report: dict[str, Any] = {
        "id": SESSION_ID,
        "opened_at": "2024-05-01T09:00:00+02:00",
        "closed_at": None,
        "cashier_id": 2,
        "opening_float_cents": 5000,
    }
    report.update(overrides)
    return report


def _closed(**overrides: Any) -> dict[str, Any]:
    report = _opened(
        closed_at="2024-05-01T18:00:00+02:00",
        closing_cashier_id=2,
        counted=[
            {"method": "cash", "amount_cents": 12480},
            {"method": "card", "amount_cents": 3000},
        ],
        expected=[
            {"method": "cash", "amount_cents": 12500},
            {"method": "card", "amount_cents": 3000},
        ],
        difference_cents=-20,
        ticket_count=37,
        note="Il manque 20 centimes.",
    )
    report.update(overrides)
    return report


def _invalid(raw: Any) -> CashSessionInvalid:
    with pytest.raises(CashSessionInvalid) as caught:
        parse_cash_session(raw)
    return caught.value


class TestReport:
    def test_it_accepts_an_opening_report(self):
        report = parse_cash_session(_opened())
        assert not report.is_closed
        assert report.counted == [] and report.ticket_count == 0

    def test_it_accepts_a_closing_report(self):
        assert parse_cash_session(_closed()).difference_cents == -20

    def test_it_rejects_a_difference_that_is_not_counted_minus_expected(self):
        error = _invalid(_closed(difference_cents=20))
        assert error.message == (
            "Session de caisse invalide : L'écart indiqué (0,20\u00a0€) ne correspond pas au "
            "compté moins l'attendu (-0,20\u00a0€)."
        )

    def test_it_rejects_an_open_session_that_already_has_counts(self):
        error = _invalid(_opened(counted=[{"method": "cash", "amount_cents": 5000}]))
        assert "Une session ouverte" in error.message

    def test_it_rejects_a_session_closed_before_it_opened(self):
        error = _invalid(_closed(closed_at="2024-05-01T08:00:00+02:00"))
        assert "close avant" in error.message

    def test_it_rejects_a_method_counted_twice(self):
        counted = [{"method": "cash", "amount_cents": 1}, {"method": "cash", "amount_cents": 1}]
        error = _invalid(_closed(counted=counted, difference_cents=-15498))
        assert "qu'une fois dans counted" in error.message

    def test_it_rejects_a_naive_opening_time(self):
        assert "décalage horaire" in _invalid(_opened(opened_at="2024-05-01T09:00:00")).message

    def test_it_rejects_unknown_fields(self):
        assert "champ inconnu" in _invalid(_opened(drawer="A")).message

    def test_it_finds_the_id_of_a_raw_report(self):
        assert raw_cash_session_id(_opened(id=SESSION_ID.upper())) == SESSION_ID
        assert raw_cash_session_id("report") is None


class TestOutcome:
    def test_a_new_session_is_created(self):
        assert cash_session_outcome(None, parse_cash_session(_opened())) == "created"

    def test_the_same_report_twice_is_a_duplicate(self):
        opened = parse_cash_session(_opened())
        assert cash_session_outcome(opened, parse_cash_session(_opened())) == "duplicate"
        closed = parse_cash_session(_closed())
        assert cash_session_outcome(closed, parse_cash_session(_closed())) == "duplicate"

    def test_closing_an_open_session_updates_it(self):
        opened = parse_cash_session(_opened())
        assert cash_session_outcome(opened, parse_cash_session(_closed())) == "updated"

    def test_a_late_opening_report_leaves_a_closed_session_alone(self):
        closed = parse_cash_session(_closed())
        assert cash_session_outcome(closed, parse_cash_session(_opened())) == "duplicate"

    def test_closing_with_another_opening_is_a_conflict(self):
        opened = parse_cash_session(_opened())
        other_float = parse_cash_session(_closed(opening_float_cents=4000))
        assert cash_session_outcome(opened, other_float) == "id_conflict"

    def test_closing_twice_differently_is_a_conflict(self):
        closed = parse_cash_session(_closed())
        recount = parse_cash_session(_closed(note="Recompté"))
        assert cash_session_outcome(closed, recount) == "id_conflict"

    def test_the_opening_offset_is_part_of_the_opening(self):
        opened = parse_cash_session(_opened())
        in_utc = parse_cash_session(_closed(opened_at="2024-05-01T07:00:00+00:00"))
        assert cash_session_outcome(opened, in_utc) == "id_conflict"

    def test_reports_of_two_sessions_cannot_be_compared(self):
        other = parse_cash_session(_opened(id="b3c2f1e0-1111-4222-8333-944455556666"))
        with pytest.raises(ValueError):
            cash_session_outcome(parse_cash_session(_opened()), other)

    def test_the_fingerprint_survives_a_json_round_trip(self):
        report = parse_cash_session(_closed())
        again = CashSessionReport.model_validate_json(report.model_dump_json())
        assert cash_session_fingerprint(again) == cash_session_fingerprint(report)
