"""Every stock URL: managers and stock managers of the shop; cashiers never; another shop's
manager sees his own shop's pages and gets 404 on shop A's objects."""

from __future__ import annotations

from typing import Any

from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.stock.models import InventoryCount, Lot
from cabas.gestion.stock.services import (
    inventory_count_create,
    inventory_count_start,
    lot_receive,
)
from tests.gestion.matrix import STOCK_AND_MANAGER, Row, answers, object_of_shop_a

POSTED = answers(manager=302, stock=302, cashier=403, other=404)


def _product(w: Any) -> Product:
    category = Category.objects.filter(store=w.store_a).first() or category_create(
        store=w.store_a, name="Épicerie"
    )
    return Product.objects.filter(store=w.store_a).first() or product_create(
        store=w.store_a, actor=None, name="Lentilles", category=category, price_cents=200
    )


def _lot(w: Any) -> Lot:
    return lot_receive(store=w.store_a, product=_product(w), quantity=5, actor=None)


def _count(w: Any, *, started: bool = True) -> InventoryCount:
    _product(w)
    count = inventory_count_create(store=w.store_a, actor=None, name="Test")
    return inventory_count_start(count=count, actor=None) if started else count


def _line(w: Any) -> dict[str, int]:
    count = _count(w)
    return {"count_id": count.pk, "line_id": count.lines.get().pk}


def _lot_line(w: Any) -> dict[str, int]:
    _lot(w)
    count = _count(w)
    return {"count_id": count.pk, "lot_line_id": count.lines.get().lot_lines.first().pk}


ROWS = [
    Row("stock:home", STOCK_AND_MANAGER),
    Row("stock:dates", STOCK_AND_MANAGER),
    Row("stock:lot_add", STOCK_AND_MANAGER),
    Row("stock:loss_add", STOCK_AND_MANAGER),
    Row("stock:count_list", STOCK_AND_MANAGER),
    Row("stock:count_add", STOCK_AND_MANAGER),
    Row(
        "stock:lot_detail",
        object_of_shop_a(STOCK_AND_MANAGER),
        kwargs=lambda w: {"lot_id": _lot(w).pk},
    ),
    Row("stock:lot_dispose", POSTED, method="post", kwargs=lambda w: {"lot_id": _lot(w).pk}),
    Row(
        "stock:product_movements",
        object_of_shop_a(STOCK_AND_MANAGER),
        kwargs=lambda w: {"product_id": _product(w).pk},
    ),
    Row(
        "stock:count_detail",
        object_of_shop_a(STOCK_AND_MANAGER),
        kwargs=lambda w: {"count_id": _count(w).pk},
    ),
    Row(
        "stock:count_start",
        POSTED,
        method="post",
        kwargs=lambda w: {"count_id": _count(w, started=False).pk},
    ),
    Row(
        "stock:count_scan",
        POSTED,
        method="post",
        kwargs=lambda w: {"count_id": _count(w).pk},
        data=lambda w: {"code": "3017620422003"},
    ),
    Row(
        "stock:count_line_set", POSTED, method="post", kwargs=_line, data=lambda w: {"counted": "3"}
    ),
    Row(
        "stock:count_lot_line_set",
        POSTED,
        method="post",
        kwargs=_lot_line,
        data=lambda w: {"counted": "3"},
    ),
    Row("stock:count_validate", POSTED, method="post", kwargs=lambda w: {"count_id": _count(w).pk}),
    Row("stock:count_cancel", POSTED, method="post", kwargs=lambda w: {"count_id": _count(w).pk}),
]
