"""A delivery is never wished for before the order was made (issue #21, item 3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse


def test_a_delivery_date_before_the_order_is_refused_in_french(
    shop: Any, diane_client: Any
) -> None:
    order = shop.order(pasta=1)
    url = reverse("purchasing:order_update", args=[order.pk])
    past = (shop.world.store_a.today() - timedelta(days=3)).isoformat()
    response = diane_client.post(url, {"expected_on": past, "note": ""}, follow=True)
    assert "ne peut pas être souhaitée avant la commande" in response.content.decode()
    order.refresh_from_db()
    assert order.expected_on is None
    later = (shop.world.store_a.today() + timedelta(days=3)).isoformat()
    diane_client.post(url, {"expected_on": later, "note": ""})
    order.refresh_from_db()
    assert order.expected_on is not None
