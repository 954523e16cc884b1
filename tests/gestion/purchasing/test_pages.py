"""The purchasing pages: lists within a fixed number of queries, forms that act through the
services, French messages for refused actions, traceability back to orders and sales."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.gestion.purchasing.models import (
    Delivery,
    DeliveryLine,
    OrderState,
    PurchaseOrder,
    Supplier,
    SupplierKind,
)
from cabas.gestion.purchasing.receiving import ReceivedLine, donation_receive
from cabas.gestion.stock.models import Lot, MovementKind
from cabas.gestion.stock.services import stock_movement_record

pytestmark = pytest.mark.django_db


def lot_of(line: DeliveryLine) -> Lot:
    assert line.lot is not None
    return line.lot


def many_orders(shop: Any, count: int) -> None:
    for _ in range(count):
        shop.order(pasta=1, rice=2)


@pytest.mark.parametrize(
    "url_name",
    ["purchasing:home", "purchasing:supplier_list", "purchasing:donation_list"],
)
def test_lists_take_a_fixed_number_of_queries(
    shop, diane_client, django_assert_max_num_queries, url_name
) -> None:
    many_orders(shop, 3)
    for i in range(3):
        donation_receive(
            store=shop.world.store_a,
            donor=shop.food_bank,
            actor=None,
            lines=[ReceivedLine(shop.pasta, 5 + i), ReceivedLine(shop.rice, 2)],
        )
    with django_assert_max_num_queries(14):
        assert diane_client.get(reverse(url_name)).status_code == 200
    many_orders(shop, 20)
    for i in range(10):
        donation_receive(
            store=shop.world.store_a,
            donor=shop.programme,
            actor=None,
            lines=[ReceivedLine(shop.oil, 1 + i)],
        )
    with django_assert_max_num_queries(14):
        assert diane_client.get(reverse(url_name)).status_code == 200


def test_the_order_page_and_suggestions_take_a_fixed_number_of_queries(
    shop, diane_client, django_assert_max_num_queries
) -> None:
    order = shop.order(pasta=1, rice=2, oil=3, apples=1)
    with django_assert_max_num_queries(16):
        diane_client.get(reverse("purchasing:order_detail", args=[order.pk]))
    with django_assert_max_num_queries(14):
        diane_client.get(reverse("purchasing:suggestions"))


def test_the_state_filter_keeps_only_that_state_and_answers_htmx_with_the_table(
    shop, diane_client
) -> None:
    draft, cancelled = shop.order(pasta=1), shop.order(rice=1)
    PurchaseOrder.objects.filter(pk=cancelled.pk).update(state=OrderState.CANCELLED)
    page = diane_client.get(reverse("purchasing:home"), {"state": "cancelled"}).content.decode()
    assert cancelled.reference in page and draft.reference not in page
    partial = diane_client.get(
        reverse("purchasing:home"), {"state": "draft"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert draft.reference in partial and "<html" not in partial


def test_a_supplier_is_created_and_given_products_through_the_pages(shop, diane_client) -> None:
    response = diane_client.post(
        reverse("purchasing:supplier_create"),
        {
            "name": "Épicerie en gros",
            "kind": "supplier",
            "email": "gros@example.org",
            "delivery_days": ["0", "3"],
            "lead_time_days": "4",
            "minimum_order": "120,50",
            "active": "on",
        },
    )
    supplier = Supplier.objects.get(name="Épicerie en gros")
    assert response.url == reverse("purchasing:supplier_detail", args=[supplier.pk])
    assert (supplier.delivery_days, supplier.minimum_order_cents) == ([0, 3], 12050)
    diane_client.post(
        reverse("purchasing:supplier_detail", args=[supplier.pk]),
        {"product": shop.rice.pk, "reference": "R1", "pack_size": "8", "pack_price": "9,60"},
    )
    item = supplier.products.get()
    assert (item.pack_size, item.pack_price_cents) == (8, 960)
    page = diane_client.get(reverse("purchasing:supplier_detail", args=[supplier.pk]))
    assert "lundi, jeudi" in page.content.decode()


def test_a_programme_without_its_code_is_refused_in_french(shop, diane_client) -> None:
    response = diane_client.post(
        reverse("purchasing:supplier_create"),
        {"name": "CNES", "kind": SupplierKind.PROGRAMME, "lead_time_days": "0"},
    )
    assert response.status_code == 200
    assert "Indiquez le code du programme" in response.content.decode()


def test_an_illegal_action_is_refused_with_a_message_not_an_error(shop, diane_client) -> None:
    order = shop.order(pasta=1)
    PurchaseOrder.objects.filter(pk=order.pk).update(state=OrderState.RECEIVED)
    response = diane_client.post(reverse("purchasing:order_cancel", args=[order.pk]), follow=True)
    assert "Une commande reçue ne peut pas devenir annulée." in response.content.decode()
    order.refresh_from_db()
    assert order.state == OrderState.RECEIVED


def test_the_order_page_offers_only_the_actions_its_state_allows(shop, diane_client) -> None:
    order = shop.order(pasta=1)
    page = diane_client.get(reverse("purchasing:order_detail", args=[order.pk])).content.decode()
    assert "send-order" in page and "receive-order" not in page and "close-order" not in page
    PurchaseOrder.objects.filter(pk=order.pk).update(state=OrderState.PARTLY_RECEIVED)
    page = diane_client.get(reverse("purchasing:order_detail", args=[order.pk])).content.decode()
    assert "send-order" not in page and "receive-order" in page and "close-order" in page
    assert "Annuler la commande" not in page


def test_the_reception_form_receives_part_of_an_order_with_a_substitute(shop, diane_client) -> None:
    order = shop.order(pasta=2, rice=1)
    PurchaseOrder.objects.filter(pk=order.pk).update(state=OrderState.SENT)
    url = reverse("purchasing:order_receive", args=[order.pk])
    page = diane_client.get(url).content.decode()
    assert 'value="24"' in page  # the remaining quantity, prefilled
    pasta_line, rice_line = order.lines.get(product=shop.pasta), order.lines.get(product=shop.rice)
    data = {
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "2",
        "lines-0-order_line": pasta_line.pk,
        "lines-0-product": shop.pasta.pk,
        "lines-0-quantity": "12",
        "lines-0-dlc": "2027-01-31",
        "lines-0-damaged_note": "1 paquet percé",
        "lines-1-order_line": rice_line.pk,
        "lines-1-product": shop.oil.pk,  # oil came instead of rice
        "lines-1-quantity": "6",
        "lines-2-product": "",
        "lines-2-quantity": "",
        "delivery-note": "Palette filmée abîmée",
    }
    response = diane_client.post(url, data)
    delivery = Delivery.objects.get(order=order)
    assert response.url == reverse("purchasing:delivery_detail", args=[delivery.pk])
    order.refresh_from_db()
    assert order.state == OrderState.PARTLY_RECEIVED
    assert delivery.note == "Palette filmée abîmée"
    assert lot_of(delivery.lines.get(product=shop.pasta)).dlc == date(2027, 1, 31)
    page = diane_client.get(response.url).content.decode()
    assert "à la place de Riz long 1 kg" in page and "1 paquet percé" in page


def test_a_bad_reception_line_shows_a_french_error(shop, diane_client) -> None:
    order = shop.order(pasta=1)
    PurchaseOrder.objects.filter(pk=order.pk).update(state=OrderState.SENT)
    url = reverse("purchasing:order_receive", args=[order.pk])
    data = {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-order_line": order.lines.get().pk,
        "lines-0-product": shop.pasta.pk,
        "lines-0-quantity": "12",
        "lines-0-dlc": "2027-01-31",
        "lines-0-ddm": "2027-02-28",
    }
    response = diane_client.post(url, data)
    assert response.status_code == 200
    assert "Un lot a une DLC ou une DDM, pas les deux." in response.content.decode()


def test_a_donation_is_recorded_from_its_page(shop, diane_client) -> None:
    response = diane_client.post(
        reverse("purchasing:donation_create"),
        {
            "donor": shop.programme.pk,
            "note": "",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": shop.oil.pk,
            "lines-0-quantity": "24",
            "lines-0-ddm": "2027-10-01",
            "lines-1-product": "",
            "lines-1-quantity": "",
        },
    )
    delivery = Delivery.objects.get()
    assert response.url == reverse("purchasing:delivery_detail", args=[delivery.pk])
    lot = Lot.objects.get(product=shop.oil)
    assert (lot.origin, lot.quantity) == ("eu_aid", 24)


def test_traceability_links_a_product_to_its_delivery_and_a_lot_to_its_sales(
    shop, diane_client
) -> None:
    delivery = donation_receive(
        store=shop.world.store_a,
        donor=shop.food_bank,
        actor=shop.world.diane,
        lines=[ReceivedLine(shop.pasta, 10, dlc=timezone.localdate() + timedelta(days=9))],
    )
    lot = lot_of(delivery.lines.get())
    stock_movement_record(
        store=shop.world.store_a,
        product=shop.pasta,
        kind=MovementKind.SALE,
        quantity=-3,
        actor=None,
        lot=lot,
        document=("sale.ticket", "ticket-42"),
    )
    page = diane_client.get(
        reverse("purchasing:product_trace", args=[shop.pasta.pk])
    ).content.decode()
    assert reverse("purchasing:delivery_detail", args=[delivery.pk]) in page
    assert reverse("purchasing:lot_trace", args=[lot.pk]) in page
    page = diane_client.get(reverse("purchasing:lot_trace", args=[lot.pk])).content.decode()
    assert "Banque alimentaire du Rhône" in page
    assert "ticket-42" in page
    assert "Ventes qui ont pris ce lot : 3 unité(s) en 1 vente." in page


def test_charlie_cannot_see_shop_as_lot(shop, client) -> None:
    delivery = donation_receive(
        store=shop.world.store_a,
        donor=shop.food_bank,
        actor=None,
        lines=[ReceivedLine(shop.pasta, 1)],
    )
    client.force_login(shop.world.charlie)
    lot_id = delivery.lines.get().lot_id
    assert client.get(reverse("purchasing:lot_trace", args=[lot_id])).status_code == 404
