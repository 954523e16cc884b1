"""The purchase order's life cycle: only the transitions of ORDER_TRANSITIONS happen."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from cabas.gestion.purchasing.models import ORDER_TRANSITIONS, OrderState, PurchaseOrder
from cabas.gestion.purchasing.services import (
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_line_set,
    purchase_order_send,
    purchase_order_transition,
)

pytestmark = pytest.mark.django_db


def test_the_transition_table_names_every_state_and_ends_in_received_or_cancelled() -> None:
    assert set(ORDER_TRANSITIONS) == set(OrderState.values)
    assert ORDER_TRANSITIONS[OrderState.RECEIVED] == frozenset()
    assert ORDER_TRANSITIONS[OrderState.CANCELLED] == frozenset()


@pytest.mark.parametrize(
    ("start", "to"),
    [pair for pair in itertools.product(OrderState.values, repeat=2)],
)
def test_the_service_allows_exactly_the_transitions_of_the_table(shop, start, to) -> None:
    order = shop.order(pasta=2)
    PurchaseOrder.objects.filter(pk=order.pk).update(state=start)
    order.refresh_from_db()
    if to in ORDER_TRANSITIONS[start]:
        purchase_order_transition(order=order, to=to, actor=shop.world.diane)
        order.refresh_from_db()
        assert order.state == to
    else:
        with pytest.raises(ValidationError, match="ne peut pas devenir"):
            purchase_order_transition(order=order, to=to, actor=shop.world.diane)
        order.refresh_from_db()
        assert order.state == start


def test_an_order_totals_its_lines_in_the_suppliers_packs(shop) -> None:
    order = shop.order(pasta=3, rice=2)
    assert order.total_cents == 3 * 960 + 2 * 1450
    line = order.lines.get(product=shop.pasta)
    assert (line.pack_size, line.ordered_qty, line.reference) == (12, 36, "PAT-500")
    purchase_order_line_set(order=order, product=shop.pasta, packs=0, actor=shop.world.diane)
    order.refresh_from_db()
    assert order.total_cents == 2 * 1450
    assert not order.lines.filter(product=shop.pasta).exists()


def test_a_sent_order_can_no_longer_be_edited(shop, django_capture_on_commit_callbacks) -> None:
    order = shop.order(pasta=1)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_send(order=order, actor=shop.world.diane)
    with pytest.raises(ValidationError, match="brouillon"):
        purchase_order_line_set(order=order, product=shop.rice, packs=1, actor=shop.world.diane)


def test_an_empty_order_cannot_be_sent(shop) -> None:
    order = shop.order()
    with pytest.raises(ValidationError, match="au moins une ligne"):
        purchase_order_send(order=order, actor=shop.world.diane)
    order.refresh_from_db()
    assert order.state == OrderState.DRAFT


def test_a_received_order_cannot_be_cancelled(shop) -> None:
    order = shop.order(pasta=1)
    PurchaseOrder.objects.filter(pk=order.pk).update(state=OrderState.RECEIVED)
    with pytest.raises(ValidationError, match="reçue ne peut pas devenir annulée"):
        purchase_order_cancel(order=order, actor=shop.world.alice)


def test_only_a_partly_received_order_can_be_closed(shop) -> None:
    order = shop.order(pasta=1)
    with pytest.raises(ValidationError, match="reçue en partie"):
        purchase_order_close(order=order, actor=shop.world.alice)


def test_orders_are_numbered_per_shop(shop) -> None:
    first, second = shop.order(pasta=1), shop.order(rice=1)
    assert second.number == first.number + 1
    assert str(first) == f"BC-{first.number:05d}"


def test_a_product_the_supplier_does_not_sell_is_refused(shop) -> None:
    from cabas.gestion.catalog.services import product_create

    other = product_create(
        store=shop.world.store_a,
        actor=None,
        name="Sucre",
        category=shop.pasta.category,
        price_cents=100,
    )
    order = shop.order()
    with pytest.raises(ValidationError, match="ne vend pas"):
        purchase_order_line_set(order=order, product=other, packs=1, actor=shop.world.diane)
