"""Every recall URL: the shop's manager only; another shop's manager sees his own shop's list
and gets 404 on shop A's recalls."""

from __future__ import annotations

from typing import Any

from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.recalls.models import Recall, RecallScope, RecallSource
from cabas.gestion.recalls.services import recall_record
from tests.gestion.matrix import MANAGER_ONLY, Row, answers, object_of_shop_a

POSTED = answers(manager=302, stock=403, cashier=403, other=404)


def _product(w: Any) -> Product:
    found = Product.objects.filter(store=w.store_a).first()
    if found is not None:
        return found
    category = category_create(store=w.store_a, name="Frais")
    return product_create(
        store=w.store_a, actor=None, name="Fromage", category=category, price_cents=300
    )


def _recall(w: Any) -> Recall:
    return recall_record(
        store=w.store_a,
        product=_product(w),
        scope=RecallScope.PRODUCT,
        reason="Listeria",
        source=RecallSource.SUPPLIER,
        actor=None,
    )


def _id(w: Any) -> dict[str, int]:
    return {"recall_id": _recall(w).pk}


ROWS = [
    Row("recalls:list", MANAGER_ONLY),
    Row("recalls:create", MANAGER_ONLY),
    Row(
        "recalls:create",
        MANAGER_ONLY,
        data=lambda w: {"produit": _product(w).pk},
        note="charlie asking for shop A's product gets the product search of his own shop",
    ),
    Row("recalls:detail", object_of_shop_a(MANAGER_ONLY), kwargs=_id),
    Row(
        "recalls:action_add",
        POSTED,
        method="post",
        kwargs=_id,
        data=lambda w: {"kind": "shelves_checked"},
    ),
    Row("recalls:lift", POSTED, method="post", kwargs=_id),
    Row("recalls:close", POSTED, method="post", kwargs=_id),
]
