"""No payload makes `POST tickets` answer 5xx (issue 15, item 5): out-of-range integers and
lone surrogates reject their ticket alone, and an unexpected error in one ticket too."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cabas.gestion.sales import intake
from cabas.gestion.sales.models import QuarantinedPayload, Ticket
from tests.gestion.sales.conftest import ticket
from tests.protocol.test_ticket_properties import (
    INT_FIELDS,
    LINE_INT_FIELDS,
    LINE_TEXT_FIELDS,
    TEXT_FIELDS,
    WIRE_INTEGERS,
    WIRE_TEXTS,
)

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = [2**63, -(2**63) - 1, 2**64, 0, -1]


def post(till, tickets):
    response = till.post("tickets", {"tickets": tickets})  # json.dumps: "\ud800" as an escape
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _check_alone(shop, till, bad):
    good = ticket(shop, [(shop.pasta, 1)])
    after = ticket(shop, [(shop.milk, 1)])
    results = post(till, [good, bad, after])
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["error"]["code"] == "invalid"
    assert Ticket.objects.filter(pk__in=[good["id"], after["id"]]).count() == 2
    assert not Ticket.objects.filter(pk=bad["id"]).exists()
    kept = QuarantinedPayload.objects.get(object_id=bad["id"])
    assert kept.kind == "ticket" and kept.reason == "invalid"
    return kept


@pytest.mark.parametrize("value", OUT_OF_RANGE)
@pytest.mark.parametrize("field", ["cashier_id", "product_id"])
def test_an_id_out_of_the_columns_range_rejects_its_ticket_alone(shop_a, till_a, field, value):
    bad = ticket(shop_a, [(shop_a.pasta, 2)])
    if field == "cashier_id":
        bad["cashier_id"] = value
    else:
        bad["lines"][0]["product_id"] = value
    _check_alone(shop_a, till_a, bad)


@pytest.mark.parametrize(
    "field", ["quantity", "unit_price_cents", "full_price_cents", "total_cents", "amount_cents"]
)
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**40])
def test_a_huge_amount_rejects_its_ticket_alone(shop_a, till_a, field, value):
    bad = ticket(shop_a, [(shop_a.pasta, 2)])
    if field == "amount_cents":
        bad["payments"][0]["amount_cents"] = value
    else:
        bad["lines"][0][field] = value
    _check_alone(shop_a, till_a, bad)


def test_the_largest_ids_are_accepted_and_flagged_unknown(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 1)], cashier_id=2**63 - 1)
    body["lines"][0]["product_id"] = 2**63 - 1
    assert post(till_a, [body])[0]["status"] == "created"
    stored = Ticket.objects.get(pk=body["id"])
    assert stored.cashier_ref == 2**63 - 1 and stored.lines.get().product_ref == 2**63 - 1


@pytest.mark.parametrize("field", ["label", "barcode", "beneficiary_code", "id", "created_at"])
@pytest.mark.parametrize("surrogate", ["\ud800", "\udfff", "a\udc00b"])
def test_a_lone_surrogate_rejects_its_ticket_alone_and_is_kept_escaped(
    shop_a, till_a, field, surrogate
):
    bad = ticket(shop_a, [(shop_a.pasta, 1)])
    if field in ("label", "barcode"):
        bad["lines"][0][field] = "Pâtes" + surrogate
    elif field == "id":
        bad["id"] = bad["id"] + surrogate
    else:
        bad[field] = bad[field] + surrogate if bad[field] else surrogate
    good = ticket(shop_a, [(shop_a.milk, 1)])
    results = post(till_a, [bad, good])
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert results[0]["error"]["code"] == "invalid"
    kept = QuarantinedPayload.objects.get(kind="ticket")
    kept.raw.encode("utf-8")  # storable: the surrogate is kept as its escape
    assert f"\\u{ord(surrogate[-1] if len(surrogate) == 1 else surrogate[1]):04x}" in kept.raw
    assert kept.object_id.encode("utf-8")


def test_a_body_that_is_not_utf8_json_is_never_a_5xx(shop_a, till_a):
    for body in (
        b'{"tickets": [{"label": "\xed\xa0\x80"}]}',  # a surrogate encoded in UTF-8 bytes
        b'{"tickets": ["\\ud800"]}',
        b'{"tickets": "\\ud800',
        b'{"\\udfff": 1}',
        b"\xff",
    ):
        response = till_a.post("tickets", body)
        assert response.status_code < 500, response.content
        assert response.status_code in (200, 400), response.content
    for kept in QuarantinedPayload.objects.all():
        kept.raw.encode("utf-8")
        kept.message.encode("utf-8")


def test_an_unexpected_error_in_one_ticket_rejects_it_alone(shop_a, till_a, monkeypatch, caplog):
    good = ticket(shop_a, [(shop_a.pasta, 1)])
    bad = ticket(shop_a, [(shop_a.milk, 1)])
    after = ticket(shop_a, [(shop_a.pasta, 1)])
    real = intake._store_ticket

    def broken(prepared, cursor):
        if str(prepared.ticket["id"]) == bad["id"]:
            real(prepared, cursor)  # half written, then a bug: all of it rolls back
            raise ZeroDivisionError("a bug")
        return real(prepared, cursor)

    monkeypatch.setattr(intake, "_store_ticket", broken)
    with caplog.at_level("ERROR", logger="cabas.gestion.sales.intake"):
        results = post(till_a, [good, bad, after])
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["error"]["code"] == "server_error"
    assert not Ticket.objects.filter(pk=bad["id"]).exists()
    kept = QuarantinedPayload.objects.get(object_id=bad["id"])
    assert kept.reason == "server_error" and kept.details == {"error": "ZeroDivisionError"}
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


def test_a_ticket_that_makes_the_batchs_reads_fail_is_rejected_alone(shop_a, till_a, monkeypatch):
    good = ticket(shop_a, [(shop_a.pasta, 1)])
    bad = ticket(shop_a, [(shop_a.milk, 1)], cashier_id=4242)
    real = intake.load_context

    def fragile(store, tickets):
        if any(t.cashier_id == 4242 for t in tickets):
            raise OverflowError("a value the database cannot take")
        return real(store, tickets)

    monkeypatch.setattr(intake, "load_context", fragile)
    results = post(till_a, [bad, good])
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert results[0]["error"]["code"] == "server_error"
    assert QuarantinedPayload.objects.get().object_id == bad["id"]


def test_a_bug_in_the_checks_of_one_ticket_rejects_it_alone(shop_a, till_a, monkeypatch):
    good = ticket(shop_a, [(shop_a.pasta, 1)])
    bad = ticket(shop_a, [(shop_a.milk, 1)])
    real = intake.parse_ticket

    def buggy(raw):
        if raw["id"] == bad["id"]:
            raise KeyError("a bug")
        return real(raw)

    monkeypatch.setattr(intake, "parse_ticket", buggy)
    results = post(till_a, [bad, good])
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert results[0] == {"id": bad["id"], "status": "rejected", "error": results[0]["error"]}
    assert results[0]["error"]["code"] == "server_error"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_ticket_on_the_wire_makes_post_tickets_a_5xx(shop_a, till_a, data):
    bad = ticket(shop_a, [(shop_a.pasta, 1), (shop_a.milk, 2)])
    for _ in range(data.draw(st.integers(1, 3))):
        on_line = data.draw(st.booleans())
        target = data.draw(st.sampled_from(bad["lines"])) if on_line else bad
        ints = LINE_INT_FIELDS if on_line else (*INT_FIELDS, "id")
        texts = LINE_TEXT_FIELDS if on_line else (*TEXT_FIELDS, "id", "created_at")
        if data.draw(st.booleans()):
            target[data.draw(st.sampled_from(ints))] = data.draw(WIRE_INTEGERS)
        else:
            target[data.draw(st.sampled_from(texts))] = data.draw(WIRE_TEXTS)
    good = ticket(shop_a, [(shop_a.milk, 1)])
    response = till_a.post("tickets", json.dumps({"tickets": [bad, good]}))
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert results[1] == {"id": good["id"], "status": "created", "error": None}
    assert results[0]["status"] in ("created", "rejected")
    if results[0]["status"] == "rejected":
        assert results[0]["error"]["code"] in ("invalid", "id_conflict")


def test_a_quarantine_that_cannot_be_written_at_once_is_written_one_by_one(
    shop_a, till_a, monkeypatch, caplog
):
    bad = [ticket(shop_a, [(shop_a.pasta, 1)], total_cents=1) for _ in range(2)]

    def refused(*args, **kwargs):
        raise ValueError("refused")

    monkeypatch.setattr(QuarantinedPayload.objects, "bulk_create", refused)
    results = post(till_a, bad)
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert QuarantinedPayload.objects.count() == 2
    assert any("one by one" in r.getMessage() for r in caplog.records)
