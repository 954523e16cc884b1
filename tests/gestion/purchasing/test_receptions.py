"""Deliveries: partial receptions, differing quantities, substitutes, lots and dates, closing
with the remainder cancelled; donations without an order carry their origin to the lots."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cabas.gestion.purchasing.documents import DELIVERY_DOCUMENT
from cabas.gestion.purchasing.models import OrderState, PurchaseOrder
from cabas.gestion.purchasing.receiving import (
    ReceivedLine,
    donation_receive,
    purchase_order_receive,
)
from cabas.gestion.purchasing.selectors import on_order_by_product
from cabas.gestion.purchasing.services import purchase_order_close
from cabas.gestion.stock.documents import document_url
from cabas.gestion.stock.models import Lot, MovementKind, StockMovement

pytestmark = pytest.mark.django_db


def sent_order(shop, **packs: int) -> PurchaseOrder:
    order = shop.order(**packs)
    PurchaseOrder.objects.filter(pk=order.pk).update(state=OrderState.SENT)
    order.refresh_from_db()
    return order


def test_a_partial_reception_then_closing_cancels_the_remainder(shop) -> None:
    order = sent_order(shop, pasta=2, rice=1)  # 24 pasta, 10 rice
    pasta_line = order.lines.get(product=shop.pasta)
    rice_line = order.lines.get(product=shop.rice)
    delivery = purchase_order_receive(
        order=order,
        actor=shop.world.diane,
        lines=[
            ReceivedLine(
                shop.pasta,
                20,
                pasta_line,
                dlc=None,
                ddm=date(2027, 6, 30),
                damaged_note="4 paquets déchirés, refusés",
            ),
            ReceivedLine(shop.rice, 0, rice_line),
        ],
        note="Livreur en retard",
    )
    order.refresh_from_db()
    assert order.state == OrderState.PARTLY_RECEIVED
    shop.pasta.refresh_from_db()
    assert shop.pasta.stock_qty == 20
    movement = StockMovement.objects.get(product=shop.pasta)
    assert (movement.kind, movement.quantity) == (MovementKind.RECEPTION, 20)
    assert (movement.document_type, movement.document_id) == (DELIVERY_DOCUMENT, str(delivery.pk))
    assert "déchirés" in movement.reason
    lot = movement.lot
    assert lot is not None
    assert lot.ddm == date(2027, 6, 30) and lot.origin == "purchase"
    assert lot.source_label == "Grossiste du Rhône"
    assert on_order_by_product(shop.world.store_a) == {shop.pasta.pk: 4, shop.rice.pk: 10}

    purchase_order_close(order=order, actor=shop.world.diane, reason="Rupture chez le grossiste")
    order.refresh_from_db()
    assert order.state == OrderState.RECEIVED
    assert order.remainder_cancelled_at is not None
    rice_line.refresh_from_db()
    assert rice_line.cancelled_qty == 10 and rice_line.remaining_qty == 0
    assert on_order_by_product(shop.world.store_a) == {}
    with pytest.raises(ValidationError, match="n'attend pas de livraison"):
        purchase_order_receive(
            order=order, actor=shop.world.diane, lines=[ReceivedLine(shop.rice, 10, rice_line)]
        )


def test_receiving_everything_including_a_substitute_completes_the_order(shop) -> None:
    order = sent_order(shop, pasta=1, rice=1)
    pasta_line = order.lines.get(product=shop.pasta)
    rice_line = order.lines.get(product=shop.rice)
    purchase_order_receive(
        order=order,
        actor=shop.world.diane,
        lines=[
            ReceivedLine(shop.pasta, 14, pasta_line, dlc=date(2027, 1, 15)),  # 2 more
            ReceivedLine(shop.oil, 10, rice_line),  # oil instead of rice
        ],
    )
    order.refresh_from_db()
    assert order.state == OrderState.RECEIVED
    assert order.remainder_cancelled_at is None
    shop.oil.refresh_from_db()
    assert shop.oil.stock_qty == 10
    delivery = order.deliveries.get()
    substitute = delivery.lines.get(product=shop.oil)
    assert substitute.is_substitution
    assert substitute.lot is not None and substitute.lot.dlc is None
    pasta_lot = delivery.lines.get(product=shop.pasta).lot
    assert pasta_lot is not None and pasta_lot.dlc == date(2027, 1, 15)


def test_a_reception_is_one_transaction_nothing_is_written_when_a_line_is_wrong(shop) -> None:
    order = sent_order(shop, pasta=1, rice=1)
    with pytest.raises(ValidationError, match="DLC ou une DDM"):
        purchase_order_receive(
            order=order,
            actor=shop.world.diane,
            lines=[
                ReceivedLine(shop.pasta, 12, order.lines.get(product=shop.pasta)),
                ReceivedLine(
                    shop.rice,
                    10,
                    order.lines.get(product=shop.rice),
                    dlc=date(2027, 1, 1),
                    ddm=date(2027, 2, 1),
                ),
            ],
        )
    assert not StockMovement.objects.exists()
    order.refresh_from_db()
    assert order.state == OrderState.SENT


def test_a_draft_order_cannot_be_received(shop) -> None:
    order = shop.order(pasta=1)
    with pytest.raises(ValidationError, match="brouillon n'attend pas"):
        purchase_order_receive(
            order=order,
            actor=shop.world.diane,
            lines=[ReceivedLine(shop.pasta, 12, order.lines.get())],
        )


def test_a_food_bank_donation_carries_the_food_bank_origin_to_its_lots(shop) -> None:
    delivery = donation_receive(
        store=shop.world.store_a,
        donor=shop.food_bank,
        actor=shop.world.diane,
        lines=[ReceivedLine(shop.pasta, 30, dlc=date(2027, 3, 1)), ReceivedLine(shop.rice, 8)],
    )
    lots = Lot.objects.filter(store=shop.world.store_a).order_by("product__name")
    assert {lot.origin for lot in lots} == {"food_bank"}
    assert {lot.source_label for lot in lots} == {"Banque alimentaire du Rhône"}
    assert {lot.source_document_id for lot in lots} == {str(delivery.pk)}
    kinds = set(StockMovement.objects.values_list("kind", flat=True))
    assert kinds == {MovementKind.DONATION}
    shop.pasta.refresh_from_db()
    assert shop.pasta.stock_qty == 30
    assert document_url(DELIVERY_DOCUMENT, str(delivery.pk)) == f"/achats/livraisons/{delivery.pk}/"


def test_a_programme_donation_carries_the_programme_to_its_lots(shop) -> None:
    delivery = donation_receive(
        store=shop.world.store_a,
        donor=shop.programme,
        actor=shop.world.diane,
        lines=[ReceivedLine(shop.oil, 12, ddm=date(2027, 9, 1))],
    )
    assert (delivery.origin, delivery.programme) == ("eu_aid", "FSE+")
    lot = Lot.objects.get(product=shop.oil)
    assert (lot.origin, lot.programme) == ("eu_aid", "FSE+")
    assert lot.source_label == "FSE+ · Programme FSE+"


def test_a_supplier_cannot_give_a_donation_and_a_donor_cannot_be_ordered_from(shop) -> None:
    with pytest.raises(ValidationError, match="recevez sa marchandise avec une commande"):
        donation_receive(
            store=shop.world.store_a,
            donor=shop.supplier,
            actor=shop.world.diane,
            lines=[ReceivedLine(shop.oil, 1)],
        )
    from cabas.gestion.purchasing.services import purchase_order_create

    with pytest.raises(ValidationError, match="donateur"):
        purchase_order_create(
            store=shop.world.store_a, supplier=shop.food_bank, actor=shop.world.diane
        )
