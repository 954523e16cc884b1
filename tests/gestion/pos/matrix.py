from __future__ import annotations

from tests.gestion.matrix import EVERY_ROLE, MANAGER_ONLY, Row, answers, object_of_shop_a


def _device_of_shop_a(w):  # type: ignore[no-untyped-def]
    from tests.gestion.pos.conftest import enroll_till

    return {"device_id": enroll_till(w.store_a).device.pk}


ROWS = [
    Row("pos:home", EVERY_ROLE),
    # No package is built in the tests: every person is sent back to the Caisse page.
    Row("pos:download", answers(manager=302, stock=302, cashier=302, other=302)),
    Row("pos:code_create", MANAGER_ONLY, method="post"),
    Row("pos:device_edit", object_of_shop_a(MANAGER_ONLY), kwargs=_device_of_shop_a),
    Row(
        "pos:device_revoke",
        object_of_shop_a(answers(manager=302, stock=403, cashier=403, other=302)),
        kwargs=_device_of_shop_a,
        method="post",
    ),
    Row("pos:cashiers", MANAGER_ONLY),
    Row(
        "pos:cashier_pin",
        object_of_shop_a(MANAGER_ONLY),
        kwargs=lambda w: {"membership_id": w.store_a.memberships.get(user=w.bob).pk},
    ),
]
