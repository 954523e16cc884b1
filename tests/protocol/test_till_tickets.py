"""The one builder of tickets as the till makes them (demo data, benches, tests)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cabas.protocol import parse_ticket
from cabas.protocol.till_tickets import till_line, till_ticket

AT = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def test_a_household_sale_is_priced_by_the_rules_and_paid_in_full() -> None:
    tomatoes = till_line(
        product_id=11,
        label="Tomates",
        quantity=1234,
        unit="kg",
        full_unit_price_cents=299,
        rate_bp=2500,
    )
    milk = till_line(
        product_id=12, label="Lait", quantity=2, unit="piece", full_unit_price_cents=200
    )
    raw = till_ticket(
        [tomatoes, milk], created_at=AT, cashier_id=2, beneficiary_code="B-1", tendered_cents=1000
    )
    assert (tomatoes["unit_price_cents"], tomatoes["total_cents"]) == (75, 93)
    assert tomatoes["full_price_cents"] == 369
    assert raw["total_cents"] == 93 + 400
    assert raw["payments"] == [{"method": "cash", "amount_cents": 493, "tendered_cents": 1000}]
    ticket = parse_ticket(raw)
    assert ticket.change_cents == 1000 - 493
    assert ticket.created_at == AT


def test_a_refund_line_is_negative_and_the_refund_accepted() -> None:
    back = till_line(
        product_id=12, label="Lait", quantity=-1, unit="piece", full_unit_price_cents=200
    )
    assert (back["total_cents"], back["full_price_cents"]) == (-200, -200)
    sale_id = "0f9c5a0e-7c1c-4d6e-9a52-3c0e8f7f4b11"
    raw = till_ticket([back], created_at=AT, cashier_id=2, refund_of=sale_id, method="card")
    assert raw["payments"] == [{"method": "card", "amount_cents": -200}]
    assert parse_ticket(raw).is_refund


def test_nothing_to_pay_takes_no_payment() -> None:
    free = till_line(
        product_id=1, label="Don", quantity=1, unit="piece", full_unit_price_cents=100, rate_bp=0
    )
    raw = till_ticket([free], created_at=AT.isoformat(), cashier_id=None)
    assert raw["payments"] == []
    assert parse_ticket(raw).total_cents == 0
