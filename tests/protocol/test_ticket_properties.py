"""Properties of tickets a till can make: they validate, survive the trip to the server, and
keep their fingerprint."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.protocol import (
    PAYMENT_METHODS,
    Ticket,
    TicketInvalid,
    canonical_json,
    parse_ticket,
    ticket_fingerprint,
)
from cabas.rules.money import line_total_cents

# Metropolitan France and overseas shops, and UTC.
ZONES = [
    ZoneInfo(name)
    for name in ("Europe/Paris", "America/Cayenne", "Indian/Reunion", "Pacific/Noumea", "UTC")
]


# What a till's texts can hold: anything but NUL (product names come from the server, whose
# forms and imports refuse it; a text with one is invalid on the wire).
TILL_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


@st.composite
def lines(draw: st.DrawFn, sign: int) -> dict[str, Any]:
    unit = draw(st.sampled_from(["piece", "kg"]))
    quantity = sign * draw(st.integers(1, 50) if unit == "piece" else st.integers(1, 60_000))
    unit_price = draw(st.integers(0, 50_000))
    total = line_total_cents(quantity, unit_price, unit)
    full_price = total + sign * draw(st.integers(0, 20_000))
    return {
        "product_id": draw(st.none() | st.integers(1, 10**6)),
        "barcode": draw(st.none() | st.text("0123456789", min_size=8, max_size=13)),
        "label": draw(st.text(TILL_TEXT, min_size=1, max_size=200)),
        "quantity": quantity,
        "unit": unit,
        "unit_price_cents": unit_price,
        "full_price_cents": full_price,
        "total_cents": total,
    }


@st.composite
def payments(draw: st.DrawFn, total: int, refund: bool) -> list[dict[str, Any]]:
    """Payments adding up to `total`, split between up to four methods."""
    count = draw(st.integers(0 if total == 0 else 1, 4))
    if count == 0:
        return []
    cuts = sorted(
        draw(st.lists(st.integers(0, abs(total)), min_size=count - 1, max_size=count - 1))
    )
    bounds = [0, *cuts, abs(total)]
    sign = -1 if refund else 1
    result = []
    for low, high in zip(bounds, bounds[1:], strict=False):
        payment: dict[str, Any] = {
            "method": draw(st.sampled_from(PAYMENT_METHODS)),
            "amount_cents": sign * (high - low),
        }
        if payment["method"] == "cash" and not refund and draw(st.booleans()):
            payment["tendered_cents"] = payment["amount_cents"] + draw(st.integers(0, 5_000))
        result.append(payment)
    return result


@st.composite
def raw_tickets(draw: st.DrawFn) -> dict[str, Any]:
    refund = draw(st.booleans())
    sign = -1 if refund else 1
    ticket_lines = draw(st.lists(lines(sign), min_size=1, max_size=12))
    total = sum(line["total_cents"] for line in ticket_lines)
    created_at = draw(
        st.datetimes(
            min_value=datetime(2020, 1, 1),
            max_value=datetime(2040, 1, 1),
            timezones=st.sampled_from(ZONES),
        )
    )
    return {
        "id": draw(st.uuids()),
        "created_at": created_at,
        "cashier_id": draw(st.none() | st.integers(1, 10_000)),
        "beneficiary_code": draw(st.none() | st.text(TILL_TEXT, min_size=1, max_size=64)),
        "cash_session_id": draw(st.none() | st.uuids()),
        "lines": ticket_lines,
        "payments": draw(payments(total, refund)),
        "total_cents": total,
        "refund_of": draw(st.uuids()) if refund else None,
    }


@settings(max_examples=300)
@given(raw_tickets())
def test_a_ticket_a_till_can_make_always_validates_and_round_trips(raw):
    built_by_the_till = Ticket.model_validate(raw)

    sent = built_by_the_till.model_dump_json()
    received = parse_ticket(json.loads(sent))

    # Compared as JSON: Python never finds a datetime in a DST gap or fold equal to one in
    # another zone (PEP 495), although both are the same text on the wire.
    assert received.model_dump_json() == sent
    assert canonical_json(received) == canonical_json(built_by_the_till)
    assert ticket_fingerprint(received) == ticket_fingerprint(built_by_the_till)


@given(raw_tickets())
def test_the_canonical_json_is_itself_the_same_ticket(raw):
    ticket = Ticket.model_validate(raw)
    again = parse_ticket(json.loads(canonical_json(ticket)))
    assert ticket_fingerprint(again) == ticket_fingerprint(ticket)


@given(raw_tickets(), st.data())
def test_a_line_total_off_by_one_cent_is_always_rejected(raw, data):
    payload = json.loads(Ticket.model_validate(raw).model_dump_json())
    index = data.draw(st.integers(0, len(payload["lines"]) - 1))
    payload["lines"][index]["total_cents"] += data.draw(st.sampled_from([-1, 1]))
    try:
        parse_ticket(payload)
    except TicketInvalid as exc:
        assert exc.message.startswith("Ticket invalide : ")
    else:
        raise AssertionError("a wrong line total was accepted")
