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


# Anything a JSON body can hold where the till puts an integer or a text: integers far past
# 64 bits, lone surrogates ("\ud800" on the wire), NUL.
WIRE_INTEGERS = st.integers() | st.sampled_from(
    [2**31, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 10**40, -(10**40)]
)
WIRE_TEXTS = st.text(st.characters(), max_size=80) | st.sampled_from(
    ["\ud800", "a\udfffb", "\udc00\ud800", "\x00"]
)
INT_FIELDS = ("cashier_id", "total_cents")
LINE_INT_FIELDS = ("product_id", "quantity", "unit_price_cents", "full_price_cents", "total_cents")
TEXT_FIELDS = ("beneficiary_code",)
LINE_TEXT_FIELDS = ("label", "barcode")
INT64 = range(-(2**63), 2**63)


def _storable(value: Any) -> None:
    """What a column of the server can hold: signed 64-bit integers, UTF-8 texts without NUL."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        assert value in INT64, value
    elif isinstance(value, str):
        value.encode("utf-8")  # no lone surrogate
        assert "\x00" not in value
    elif isinstance(value, dict):
        for item in value.values():
            _storable(item)
    elif isinstance(value, list):
        for item in value:
            _storable(item)


@settings(max_examples=300)
@given(raw_tickets(), st.data())
def test_any_integer_or_text_on_the_wire_is_refused_or_storable(raw, data):
    payload = json.loads(Ticket.model_validate(raw).model_dump_json())
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(["ticket", "line"]))
        target = payload if where == "ticket" else data.draw(st.sampled_from(payload["lines"]))
        fields = (
            (INT_FIELDS, TEXT_FIELDS) if where == "ticket" else (LINE_INT_FIELDS, LINE_TEXT_FIELDS)
        )
        if data.draw(st.booleans()):
            target[data.draw(st.sampled_from(fields[0]))] = data.draw(WIRE_INTEGERS)
        else:
            target[data.draw(st.sampled_from(fields[1]))] = data.draw(WIRE_TEXTS)
    # Through the wire's JSON: a lone surrogate goes as its "\ud800" escape.
    received = json.loads(json.dumps(payload))
    try:
        ticket = parse_ticket(received)
    except TicketInvalid as exc:
        json.dumps(exc.details)  # the details can be answered
        return
    _storable(ticket.model_dump(mode="json"))
    _storable(ticket.change_cents)
    _storable(sum(line.full_price_cents for line in ticket.lines))
