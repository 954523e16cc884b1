from __future__ import annotations

from tests.gestion.matrix import (
    LOGIN,
    MANAGER_ONLY,
    STOCK_AND_MANAGER,
    Row,
    answers,
    object_of_shop_a,
)


def _saved_statistic(world):
    from cabas.gestion.reports.services import saved_statistic_create

    saved = saved_statistic_create(
        store=world.store_a,
        actor=world.alice,
        name="Payé par mois",
        definition={"measure": "paid", "dimensions": ["month"]},
    )
    return {"statistic_id": saved.pk}


ROWS = [
    # A stock manager sees the reports' home with the stock state only; a cashier no report.
    Row("reports:home", STOCK_AND_MANAGER),
    Row("reports:stock", STOCK_AND_MANAGER),
    Row("reports:sales", MANAGER_ONLY),
    Row("reports:sales_tickets", MANAGER_ONLY, data=lambda w: {"dimension": "origin", "value": ""}),
    Row("reports:activity", MANAGER_ONLY),
    Row("reports:returns", MANAGER_ONLY),
    Row("reports:statistics", MANAGER_ONLY),
    Row("reports:statistic_detail", object_of_shop_a(MANAGER_ONLY), kwargs=_saved_statistic),
    # An empty form: sent back to the builder with the errors.
    Row(
        "reports:statistic_save",
        answers(anonymous=LOGIN, manager=302, stock=403, cashier=403, other=302),
        method="post",
    ),
    # alice deletes it first (302); charlie must not reach shop A's statistic (404).
    Row(
        "reports:statistic_delete",
        answers(anonymous=LOGIN, manager=302, stock=403, cashier=403, other=404),
        kwargs=_saved_statistic,
        method="post",
    ),
]
