"""Receptions and supplier products a shop can trust: kilos typed for weighed products, a
past DLC refused unless lost on arrival (issue #21, items 1 and 2)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse

from cabas.gestion.purchasing.models import OrderState, PurchaseOrder
from cabas.gestion.stock.models import MovementKind, StockMovement


def test_a_colisage_typed_for_a_kg_product_is_kilos(shop: Any, diane_client: Any) -> None:
    url = reverse("purchasing:supplier_detail", args=[shop.supplier.pk])
    diane_client.post(
        url, {"product": shop.apples.pk, "reference": "P10", "pack_size": "10", "pack_price": "9"}
    )
    item = shop.supplier.products.get(product=shop.apples)
    assert item.pack_size == 10_000
    page = diane_client.get(url).content.decode()
    assert "10\u00a0kg" in page
    suggestions = diane_client.get(reverse("purchasing:suggestions")).content.decode()
    assert "0,01\u00a0kg" not in suggestions and "0,005\u00a0kg" not in suggestions


def receive(shop: Any, client: Any, **row: str) -> Any:
    order = shop.order(apples=1)
    PurchaseOrder.objects.filter(pk=order.pk).update(state=OrderState.SENT)
    url = reverse("purchasing:order_receive", args=[order.pk])
    page = client.get(url).content.decode()
    assert 'value="5"' in page  # one pack of 5 kg remaining, prefilled in kilos
    data = {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-order_line": order.lines.get().pk,
        "lines-0-product": shop.apples.pk,
        **{f"lines-0-{key}": value for key, value in row.items()},
    }
    return client.post(url, data)


def test_a_weighed_reception_is_typed_in_kilos(shop: Any, diane_client: Any) -> None:
    response = receive(shop, diane_client, quantity="4,75")
    assert response.status_code == 302
    shop.apples.refresh_from_db()
    assert shop.apples.stock_qty == 4750


def test_a_past_dlc_at_reception_is_refused_on_its_row(shop: Any, diane_client: Any) -> None:
    past = (shop.world.store_a.today() - timedelta(days=2)).isoformat()
    response = receive(shop, diane_client, quantity="5", dlc=past)
    assert response.status_code == 200
    assert "DLC déjà dépassée" in response.content.decode()
    assert not StockMovement.objects.exists()


def test_a_past_dlc_lost_on_arrival_is_recorded_as_a_loss(shop: Any, diane_client: Any) -> None:
    past = (shop.world.store_a.today() - timedelta(days=2)).isoformat()
    response = receive(shop, diane_client, quantity="5", dlc=past, expired_on_arrival="on")
    assert response.status_code == 302
    kinds = list(StockMovement.objects.order_by("id").values_list("kind", "quantity"))
    assert kinds == [(MovementKind.RECEPTION, 5000), (MovementKind.EXPIRY, -5000)]
