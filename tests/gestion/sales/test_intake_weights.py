"""The till sends no weight: the server weighs each line and each movement from the product."""

from __future__ import annotations

import pytest

from cabas.gestion.catalog.models import Product
from cabas.gestion.sales.models import TicketLine
from cabas.gestion.stock.models import StockMovement
from tests.gestion.sales.conftest import ticket
from tests.gestion.sales.test_intake import send

pytestmark = pytest.mark.django_db


def test_a_sale_and_its_refund_are_weighed_by_the_server(shop_a, till_a):
    Product.objects.filter(pk=shop_a.pasta.pk).update(net_weight_g=500)
    shop_a.pasta.refresh_from_db()
    sale = ticket(shop_a, [(shop_a.pasta, 3), (shop_a.tomatoes, 1234), (shop_a.milk, 2)])
    send(till_a, sale)
    lines = TicketLine.objects.filter(ticket_id=sale["id"]).order_by("position")
    assert [line.grams for line in lines] == [1500, 1234, None]  # milk: no weight known
    moved = dict(
        StockMovement.objects.filter(document_id=sale["id"]).values_list("product_id", "grams")
    )
    assert moved == {shop_a.pasta.pk: -1500, shop_a.tomatoes.pk: -1234, shop_a.milk.pk: None}

    refund = ticket(shop_a, [(shop_a.pasta, -1)], refund_of=sale["id"])
    send(till_a, refund)
    back = StockMovement.objects.get(document_id=refund["id"])
    assert (back.kind, back.quantity, back.grams) == ("refund", 1, 500)
    assert TicketLine.objects.get(ticket_id=refund["id"]).grams == -500
