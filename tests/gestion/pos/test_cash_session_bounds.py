"""No payload makes `POST cash-sessions` answer 5xx (issue 15, item 5)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cabas.gestion.pos import services
from cabas.gestion.pos.models import CashSession
from cabas.gestion.sales.models import QuarantinedPayload
from tests.gestion.pos.test_cash_sessions import closing, opening
from tests.protocol.test_ticket_properties import WIRE_INTEGERS, WIRE_TEXTS

pytestmark = pytest.mark.django_db


def _rejected(till, report, code="invalid"):
    response = till.post("cash-sessions", report)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "rejected" and body["error"]["code"] == code, body
    assert not CashSession.objects.exists()
    kept = QuarantinedPayload.objects.get(kind="cash_session")
    kept.raw.encode("utf-8")
    kept.object_id.encode("utf-8")
    assert kept.reason == code
    return body


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**64, 0])
@pytest.mark.parametrize("field", ["cashier_id", "closing_cashier_id"])
def test_an_id_out_of_the_columns_range_is_rejected(world, till_a, field, value):
    report = closing(opening(world))
    report[field] = value
    _rejected(till_a, report)


@pytest.mark.parametrize(
    "field", ["opening_float_cents", "difference_cents", "ticket_count", "counted"]
)
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
def test_a_huge_amount_is_rejected(world, till_a, field, value):
    report = closing(opening(world))
    if field == "counted":
        report["counted"][0]["amount_cents"] = value
    else:
        report[field] = value
    _rejected(till_a, report)


def test_the_largest_cashier_id_is_accepted_as_unknown(world, till_a):
    report = opening(world)
    report["cashier_id"] = 2**63 - 1
    assert till_a.post("cash-sessions", report).json()["status"] == "created"
    assert CashSession.objects.get().cashier is None


@pytest.mark.parametrize("field", ["note", "id", "opened_at"])
def test_a_lone_surrogate_is_rejected_and_kept_escaped(world, till_a, field):
    report = closing(opening(world))
    report[field] = (report.get(field) or "") + "\ud800"
    body = _rejected(till_a, report)
    json.dumps(body)  # the answer itself is valid JSON
    kept = QuarantinedPayload.objects.get()
    assert "\\ud800" in kept.raw


@pytest.mark.parametrize(
    "raw", [b'{"id": "\\udfff"}', b'{"note": "\xed\xa0\x80"}', b'{"\\ud800": 1', b"\xff\xfe"]
)
def test_a_malformed_body_is_never_a_5xx(world, till_a, raw):
    response = till_a.post("cash-sessions", raw)
    assert response.status_code in (200, 400), response.content
    for kept in QuarantinedPayload.objects.all():
        kept.raw.encode("utf-8")


def test_an_unexpected_error_rejects_the_report_and_keeps_it(world, till_a, monkeypatch, caplog):
    def broken(device, report):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(services, "_session_fields", broken)
    with caplog.at_level("ERROR", logger="cabas.gestion.tillapi.api"):
        body = _rejected(till_a, opening(world), code="server_error")
    assert body["id"] is not None
    assert QuarantinedPayload.objects.get().details == {"error": "ZeroDivisionError"}
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


@pytest.mark.parametrize("field", ["code", "name"])
@pytest.mark.parametrize("bad", ["\ud800", "a\udfff", "x\x00"])
def test_an_enrolment_with_a_lone_surrogate_or_nul_is_a_400(world, client, field, bad):
    from cabas.gestion.pos.models import Device, EnrollmentCode
    from cabas.gestion.pos.services import enrollment_code_create
    from tests.gestion.pos.conftest import API

    body = {"code": enrollment_code_create(store=world.store_a).code, "name": "Caisse"}
    body[field] = body[field] + bad
    response = client.post(API + "enroll", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid"
    assert not Device.objects.exists() and EnrollmentCode.objects.filter(used_at=None).exists()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_report_on_the_wire_makes_post_cash_sessions_a_5xx(world, till_a, data):
    report = closing(opening(world)) if data.draw(st.booleans()) else opening(world)
    for _ in range(data.draw(st.integers(1, 3))):
        if data.draw(st.booleans()):
            field = data.draw(
                st.sampled_from(
                    [
                        "cashier_id",
                        "closing_cashier_id",
                        "opening_float_cents",
                        "difference_cents",
                        "ticket_count",
                    ]
                )
            )
            report[field] = data.draw(WIRE_INTEGERS)
        else:
            report[data.draw(st.sampled_from(["note", "id", "opened_at"]))] = data.draw(WIRE_TEXTS)
    response = till_a.post("cash-sessions", json.dumps(report))
    assert response.status_code == 200, response.content
    assert response.json()["status"] in ("created", "rejected", "duplicate", "updated")
