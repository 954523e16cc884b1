from __future__ import annotations

import uuid

from tests.gestion.matrix import (
    MANAGER_AND_CASHIER,
    MANAGER_ONLY,
    Row,
    answers,
    object_of_shop_a,
)


def _till_of_shop_a(w):  # type: ignore[no-untyped-def]
    from tests.gestion.pos.conftest import enroll_till

    return enroll_till(w.store_a).device


def _ticket_of_shop_a(w) -> uuid.UUID:  # type: ignore[no-untyped-def]
    """A ticket of shop A with an anomaly (a line the catalogue does not know)."""
    from cabas.gestion.sales.intake import ticket_batch_ingest

    ticket_id = uuid.uuid4()
    raw = {
        "id": str(ticket_id),
        "created_at": "2026-03-02T10:00:00+01:00",
        "lines": [
            {
                "barcode": "2000000000008",
                "label": "Article libre",
                "quantity": 1,
                "unit": "piece",
                "unit_price_cents": 100,
                "full_price_cents": 100,
                "total_cents": 100,
            }
        ],
        "payments": [{"method": "cash", "amount_cents": 100}],
        "total_cents": 100,
    }
    [result] = ticket_batch_ingest(device=_till_of_shop_a(w), raw_tickets=[raw])
    assert result.status == "created"
    return ticket_id


def _quarantined_in_shop_a(w):  # type: ignore[no-untyped-def]
    from cabas.gestion.sales.services import quarantine_payload

    item = quarantine_payload(
        device=_till_of_shop_a(w),
        kind="ticket",
        raw="{}",
        reason="invalid",
        message="Ticket invalide.",
    )
    return {"item_id": item.pk}


def _anomaly_of_shop_a(w):  # type: ignore[no-untyped-def]
    from cabas.gestion.sales.models import Anomaly

    return {"anomaly_id": Anomaly.objects.get(ticket_id=_ticket_of_shop_a(w)).pk}


def _session_of_shop_a(w):  # type: ignore[no-untyped-def]
    from cabas.gestion.pos.services import cash_session_report
    from cabas.protocol import CashSessionReport

    report = CashSessionReport(
        id=uuid.uuid4(), opened_at="2026-03-02T09:00:00+01:00", opening_float_cents=5000
    )
    cash_session_report(device=_till_of_shop_a(w), report=report)
    return {"session_id": report.id}


ROWS = [
    Row("sales:ticket_list", MANAGER_AND_CASHIER),
    Row(
        "sales:ticket_detail",
        object_of_shop_a(MANAGER_AND_CASHIER),
        kwargs=lambda w: {"ticket_id": _ticket_of_shop_a(w)},
    ),
    Row("sales:anomaly_list", MANAGER_ONLY),
    Row(
        "sales:anomaly_handle",
        object_of_shop_a(answers(manager=302, stock=403, cashier=403, other=302)),
        kwargs=_anomaly_of_shop_a,
        method="post",
    ),
    Row(
        "sales:anomalies_handle",
        answers(manager=302, stock=403, cashier=403, other=302),
        method="post",
    ),
    Row("sales:quarantine_list", MANAGER_ONLY),
    Row("sales:quarantine_detail", object_of_shop_a(MANAGER_ONLY), kwargs=_quarantined_in_shop_a),
    Row("sales:cash_session_list", MANAGER_AND_CASHIER),
    Row(
        "sales:cash_session_detail",
        object_of_shop_a(MANAGER_AND_CASHIER),
        kwargs=_session_of_shop_a,
    ),
]
