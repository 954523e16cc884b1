"""Every purchasing URL: managers and stock managers of the shop only; cashiers see none of it;
charlie (shop B) gets 404 for shop A's objects."""

from __future__ import annotations

from typing import Any

from tests.gestion.matrix import STOCK_AND_MANAGER, Row, answers, object_of_shop_a

# A POST action answers with a redirect (done, or refused with a message) to whoever may act.
POST_ACTION = answers(manager=302, stock=302, cashier=403, other=404)
POST_ACTION_OWN_SHOP = answers(manager=302, stock=302, cashier=403, other=302)


def objects(w: Any) -> dict[str, int]:
    """A supplier, a donor, a product the supplier sells, a draft and a sent order, and a
    delivery (its lot) in shop A, made through the services (once per world: a test that
    opens several rows' pages in one world gets the same objects)."""
    if not hasattr(w, "_purchasing_objects"):
        w._purchasing_objects = _objects(w)
    return w._purchasing_objects  # type: ignore[no-any-return]


def _objects(w: Any) -> dict[str, int]:
    from cabas.gestion.catalog.services import category_create, product_create
    from cabas.gestion.purchasing.models import OrderState, PurchaseOrder, SupplierKind
    from cabas.gestion.purchasing.receiving import ReceivedLine, donation_receive
    from cabas.gestion.purchasing.services import (
        LineRequest,
        purchase_order_create,
        supplier_create,
        supplier_product_set,
    )

    store = w.store_a
    rayon = category_create(store=store, name="Épicerie")
    product = product_create(
        store=store, actor=None, name="Lentilles", category=rayon, price_cents=200
    )
    supplier = supplier_create(store=store, actor=None, data={"name": "Grossiste"})
    donor = supplier_create(
        store=store, actor=None, data={"name": "Banque", "kind": SupplierKind.FOOD_BANK}
    )
    item = supplier_product_set(supplier=supplier, product=product, actor=None, pack_size=6)
    draft = purchase_order_create(
        store=store, supplier=supplier, actor=None, lines=[LineRequest(product, 2)]
    )
    sent = purchase_order_create(
        store=store, supplier=supplier, actor=None, lines=[LineRequest(product, 1)]
    )
    PurchaseOrder.objects.filter(pk=sent.pk).update(state=OrderState.PARTLY_RECEIVED)
    delivery = donation_receive(
        store=store, donor=donor, actor=None, lines=[ReceivedLine(product, 5)]
    )
    return {
        "supplier_id": supplier.pk,
        "donor_id": donor.pk,
        "product_id": product.pk,
        "item_id": item.pk,
        "draft_id": draft.pk,
        "sent_id": sent.pk,
        "delivery_id": delivery.pk,
        "lot_id": delivery.lines.get().lot_id or 0,
    }


def kw(**names: str) -> Any:
    return lambda w: {key: objects(w)[source] for key, source in names.items()}


SHOP_A = object_of_shop_a(STOCK_AND_MANAGER)

ROWS = [
    Row("purchasing:home", STOCK_AND_MANAGER),
    Row("purchasing:suggestions", STOCK_AND_MANAGER),
    Row("purchasing:supplier_list", STOCK_AND_MANAGER),
    Row("purchasing:supplier_create", STOCK_AND_MANAGER),
    Row("purchasing:donation_list", STOCK_AND_MANAGER),
    Row("purchasing:donation_create", STOCK_AND_MANAGER),
    Row("purchasing:supplier_detail", SHOP_A, kwargs=kw(supplier_id="supplier_id")),
    Row("purchasing:supplier_edit", SHOP_A, kwargs=kw(supplier_id="supplier_id")),
    # The picker of an order's lines: one supplier's products (test_product_picker.py).
    Row("purchasing:supplier_products", SHOP_A, kwargs=kw(supplier_id="supplier_id")),
    Row("purchasing:order_detail", SHOP_A, kwargs=kw(order_id="draft_id")),
    Row("purchasing:order_pdf", SHOP_A, kwargs=kw(order_id="draft_id")),
    Row("purchasing:order_receive", SHOP_A, kwargs=kw(order_id="sent_id")),
    Row("purchasing:delivery_detail", SHOP_A, kwargs=kw(delivery_id="delivery_id")),
    Row("purchasing:product_trace", SHOP_A, kwargs=kw(product_id="product_id")),
    Row("purchasing:lot_trace", SHOP_A, kwargs=kw(lot_id="lot_id")),
    # Actions (POST only).
    Row("purchasing:order_create", POST_ACTION_OWN_SHOP, method="post"),
    # The manager (first) removes the row: for the stock manager after him, it is gone (404).
    Row(
        "purchasing:supplier_product_remove",
        answers(manager=302, stock=404, cashier=403, other=404),
        kwargs=kw(item_id="item_id"),
        method="post",
    ),
    Row("purchasing:order_line_set", POST_ACTION, kwargs=kw(order_id="draft_id"), method="post"),
    Row("purchasing:order_update", POST_ACTION, kwargs=kw(order_id="draft_id"), method="post"),
    Row("purchasing:order_send", POST_ACTION, kwargs=kw(order_id="draft_id"), method="post"),
    Row("purchasing:order_resend", POST_ACTION, kwargs=kw(order_id="sent_id"), method="post"),
    Row("purchasing:order_email_retry", POST_ACTION, kwargs=kw(order_id="sent_id"), method="post"),
    Row("purchasing:order_cancel", POST_ACTION, kwargs=kw(order_id="draft_id"), method="post"),
    Row("purchasing:order_close", POST_ACTION, kwargs=kw(order_id="sent_id"), method="post"),
    Row(
        "purchasing:suggestion_create",
        POST_ACTION,
        kwargs=kw(supplier_id="supplier_id"),
        method="post",
    ),
]
