"""`POST cash-sessions`: opening and closing reports, idempotent by id."""

from __future__ import annotations

import uuid

import pytest

from cabas.gestion.pos.models import CashSession
from cabas.gestion.sales.models import QuarantinedPayload

pytestmark = pytest.mark.django_db


def opening(world, session_id: str | None = None) -> dict:
    membership = world.store_a.memberships.get(user=world.bob)
    return {
        "id": session_id or str(uuid.uuid4()),
        "opened_at": "2026-03-02T08:55:00+01:00",
        "cashier_id": membership.pk,
        "opening_float_cents": 5000,
    }


def closing(report: dict) -> dict:
    return {
        **report,
        "closed_at": "2026-03-02T18:05:00+01:00",
        "closing_cashier_id": report["cashier_id"],
        "counted": [
            {"method": "cash", "amount_cents": 12350},
            {"method": "card", "amount_cents": 4000},
        ],
        "expected": [
            {"method": "cash", "amount_cents": 12400},
            {"method": "card", "amount_cents": 4000},
        ],
        "difference_cents": -50,
        "ticket_count": 12,
    }


def test_an_opening_report_creates_an_open_session(world, till_a):
    report = opening(world)
    response = till_a.post("cash-sessions", report)
    assert response.status_code == 200
    assert response.json() == {"id": report["id"], "status": "created", "error": None}
    session = CashSession.objects.get()
    assert session.state == CashSession.State.OPEN
    assert session.store == world.store_a
    assert session.device == till_a.device
    assert session.cashier.user == world.bob
    assert session.opening_float_cents == 5000


def test_the_closing_report_updates_it_with_its_difference(world, till_a):
    report = opening(world)
    till_a.post("cash-sessions", report)
    response = till_a.post("cash-sessions", closing(report))
    assert response.json()["status"] == "updated"
    session = CashSession.objects.get()
    assert session.state == CashSession.State.CLOSED
    assert session.difference_cents == -50
    assert session.counted == {"cash": 12350, "card": 4000}
    assert session.ticket_count == 12


def test_a_closed_session_can_be_reported_first(world, till_a):
    response = till_a.post("cash-sessions", closing(opening(world)))
    assert response.json()["status"] == "created"
    assert CashSession.objects.get().state == CashSession.State.CLOSED


def test_sending_the_same_report_again_is_a_duplicate(world, till_a):
    report = closing(opening(world))
    till_a.post("cash-sessions", report)
    assert till_a.post("cash-sessions", report).json()["status"] == "duplicate"
    # A late resend of the opening report leaves the closed session as it is.
    assert till_a.post("cash-sessions", opening(world, report["id"])).json()["status"] == (
        "duplicate"
    )
    assert CashSession.objects.get().state == CashSession.State.CLOSED


def test_another_opening_under_the_same_id_is_an_id_conflict(world, till_a):
    report = opening(world)
    till_a.post("cash-sessions", report)
    other = {**report, "opening_float_cents": 9900}
    body = till_a.post("cash-sessions", other).json()
    assert body["status"] == "rejected"
    assert body["error"]["code"] == "id_conflict"
    assert CashSession.objects.get().opening_float_cents == 5000


def test_a_session_id_of_another_shop_is_an_id_conflict(world, till_a, till_b):
    report = opening(world)
    till_a.post("cash-sessions", report)
    body = till_b.post("cash-sessions", report).json()
    assert body["status"] == "rejected" and body["error"]["code"] == "id_conflict"


def test_a_cashier_of_another_shop_is_not_linked(world, till_b):
    report = opening(world)  # bob's membership is in shop A
    assert till_b.post("cash-sessions", report).json()["status"] == "created"
    assert CashSession.objects.get().cashier is None


def test_an_invalid_report_is_refused_and_kept_in_quarantine(world, till_a):
    report = {**closing(opening(world)), "difference_cents": 0}
    response = till_a.post("cash-sessions", report)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == report["id"]
    assert body["status"] == "rejected"
    assert body["error"]["code"] == "invalid"
    assert "écart" in body["error"]["message"]
    assert not CashSession.objects.exists()
    item = QuarantinedPayload.objects.get()
    assert item.object_id == report["id"]
    assert item.store == world.store_a
    assert item.kind == "cash_session"
    assert '"difference_cents": 0' in item.raw


def test_a_body_that_is_not_json_is_a_400(world, till_a):
    response = till_a.post("cash-sessions", "{oops")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert QuarantinedPayload.objects.get().raw == "{oops"


def test_a_note_with_a_nul_character_is_rejected_and_kept_in_quarantine(world, till_a):
    report = {**closing(opening(world)), "note": "Écart\x00 de caisse"}
    response = till_a.post("cash-sessions", report)
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["error"]["code"] == "invalid"
    assert not CashSession.objects.exists()
    assert QuarantinedPayload.objects.filter(object_id=report["id"]).exists()
