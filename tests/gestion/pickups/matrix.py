"""Every collection URL: managers and stock managers enter rounds and donors; the register and
the certificates (values, the tax document) are the manager's; cashiers never; another shop's
manager sees his own shop's pages and gets 404 on shop A's donors, families and rounds."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cabas.gestion.pickups.models import Collection, CollectionLine, DonorShop, PickupCategory
from cabas.gestion.pickups.services import (
    LineEntry,
    collection_line_add,
    collection_start,
    donor_create,
    pickup_category_create,
)
from tests.gestion.matrix import MANAGER_ONLY, STOCK_AND_MANAGER, Row, answers, object_of_shop_a

POSTED = answers(manager=302, stock=302, cashier=403, other=404)
POSTED_HERE = answers(manager=302, stock=302, cashier=403, other=302)


def _donor(w: Any) -> DonorShop:
    return DonorShop.objects.filter(store=w.store_a).first() or donor_create(
        store=w.store_a,
        actor=None,
        data={
            "name": "Supermarché",
            "siren": "732829320",
            "address": "1 rue",
            "postal_code": "69001",
            "city": "Lyon",
        },
    )


def _category(w: Any) -> PickupCategory:
    return PickupCategory.objects.filter(store=w.store_a).first() or pickup_category_create(
        store=w.store_a, actor=None, data={"name": "Épicerie"}
    )


def _collection(w: Any) -> Collection:
    return collection_start(store=w.store_a, donor=_donor(w), actor=None)


def _line(w: Any) -> CollectionLine:
    from cabas.gestion.catalog.services import category_create, product_create

    rayon = category_create(store=w.store_a, name="Rayon")
    product = product_create(
        store=w.store_a, actor=None, name="Riz", category=rayon, price_cents=100
    )
    return collection_line_add(
        collection=_collection(w),
        entry=LineEntry(category=_category(w), weight_grams=1000, product=product, quantity=2),
        actor=None,
    )


def _line_ids(w: Any) -> dict[str, int]:
    line = _line(w)
    return {"collection_id": line.collection_id, "line_id": line.pk}


ROWS = [
    Row("pickups:home", STOCK_AND_MANAGER),
    Row("pickups:collection_start", POSTED_HERE, method="post"),
    Row(
        "pickups:collection_detail",
        object_of_shop_a(STOCK_AND_MANAGER),
        kwargs=lambda w: {"collection_id": _collection(w).pk},
    ),
    Row(
        "pickups:line_remove",
        {**POSTED, "stock": 404},
        method="post",
        kwargs=_line_ids,
        note="the manager removed the line first: diane finds it gone",
    ),
    Row(
        "pickups:collection_validate",
        POSTED,
        method="post",
        kwargs=lambda w: {"collection_id": _collection(w).pk},
    ),
    Row(
        "pickups:collection_cancel",
        POSTED,
        method="post",
        kwargs=lambda w: {"collection_id": _collection(w).pk},
    ),
    Row("pickups:donor_list", STOCK_AND_MANAGER),
    Row("pickups:donor_create", STOCK_AND_MANAGER),
    Row(
        "pickups:donor_edit",
        object_of_shop_a(STOCK_AND_MANAGER),
        kwargs=lambda w: {"donor_id": _donor(w).pk},
    ),
    Row("pickups:category_list", STOCK_AND_MANAGER),
    Row("pickups:category_defaults", POSTED_HERE, method="post"),
    Row("pickups:category_create", STOCK_AND_MANAGER),
    Row(
        "pickups:category_edit",
        object_of_shop_a(STOCK_AND_MANAGER),
        kwargs=lambda w: {"category_id": _category(w).pk},
    ),
    Row("pickups:register", MANAGER_ONLY),
    Row("pickups:register", MANAGER_ONLY, data=lambda w: {"format": "csv"}),
    Row("pickups:register", MANAGER_ONLY, data=lambda w: {"format": "xlsx"}),
    Row("pickups:certificates", MANAGER_ONLY),
    Row(
        "pickups:certificate",
        object_of_shop_a(answers(manager=302, stock=403, cashier=403, other=200)),
        kwargs=lambda w: {"donor_id": _donor(w).pk, "year": timezone.localdate().year},
        note="no validated round yet: the manager is sent back to the list",
    ),
]
