"""Raw payloads as a till sends them, shared by the protocol tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

SALE_ID = "6f1c1b1e-8a55-4c1e-9d8e-2b8f3c0a7d11"
REFUND_ID = "0b7d4b0c-3f0e-4d43-a6a5-5d0e9f1d2c33"
SESSION_ID = "a3c2f1e0-1111-4222-8333-944455556666"

Payload = dict[str, Any]


def _sale_payload(**overrides: Any) -> Payload:
    """A beneficiary's sale: 1.234 kg of tomatoes at 2.99 €/kg and two bottles of milk at a
    participation of 25 %, paid 4.69 € in cash with a 10 € note."""
    payload: Payload = {
        "id": SALE_ID,
        "created_at": "2024-05-01T10:30:00+02:00",
        "cashier_id": 2,
        "beneficiary_code": "B-0042",
        "cash_session_id": SESSION_ID,
        "lines": [
            {
                "product_id": 11,
                "barcode": "2100123000000",
                "label": "Tomates grappe",
                "quantity": 1234,
                "unit": "kg",
                "unit_price_cents": 299,
                "full_price_cents": 1476,
                "total_cents": 369,
            },
            {
                "product_id": 12,
                "barcode": "3017620422003",
                "label": "Lait demi-écrémé 1 L",
                "quantity": 2,
                "unit": "piece",
                "unit_price_cents": 50,
                "full_price_cents": 200,
                "total_cents": 100,
            },
        ],
        "payments": [{"method": "cash", "amount_cents": 469, "tendered_cents": 1000}],
        "total_cents": 469,
        "refund_of": None,
    }
    payload.update(overrides)
    return payload


def _refund_payload(**overrides: Any) -> Payload:
    """The milk of the sale above brought back: everything negative, paid back in cash."""
    payload: Payload = {
        "id": REFUND_ID,
        "created_at": "2024-05-02T09:00:00+02:00",
        "cashier_id": 2,
        "beneficiary_code": "B-0042",
        "lines": [
            {
                "product_id": 12,
                "barcode": "3017620422003",
                "label": "Lait demi-écrémé 1 L",
                "quantity": -2,
                "unit": "piece",
                "unit_price_cents": 50,
                "full_price_cents": -200,
                "total_cents": -100,
            }
        ],
        "payments": [{"method": "cash", "amount_cents": -100}],
        "total_cents": -100,
        "refund_of": SALE_ID,
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def sale_payload() -> Callable[..., Payload]:
    return _sale_payload


@pytest.fixture
def refund_payload() -> Callable[..., Payload]:
    return _refund_payload
