from __future__ import annotations

from tests.gestion.matrix import MANAGER_ONLY, Row, object_of_shop_a


def _quarantined_in_shop_a(w):  # type: ignore[no-untyped-def]
    from cabas.gestion.sales.services import quarantine_payload
    from tests.gestion.pos.conftest import enroll_till

    item = quarantine_payload(
        device=enroll_till(w.store_a).device,
        kind="ticket",
        raw="{}",
        reason="invalid",
        message="Ticket invalide.",
    )
    return {"item_id": item.pk}


ROWS = [
    Row("sales:quarantine_list", MANAGER_ONLY),
    Row("sales:quarantine_detail", object_of_shop_a(MANAGER_ONLY), kwargs=_quarantined_in_shop_a),
]
