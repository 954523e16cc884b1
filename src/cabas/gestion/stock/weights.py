"""The kilograms of the stock ledger: every movement carries its weight, written with it.

``StockMovement.grams`` is signed like the quantity: the quantity itself for a product sold by
the kilo, the pieces times the product's net weight per piece otherwise, and NULL when that
weight is unknown (:func:`cabas.rules.weights.movement_grams`), so that the reports count the
goods "sans poids" apart rather than as zero. The weight is the product's *at the time of the
movement*: a weight typed later does not rewrite the past (``cabas stock_weights`` fills in
the movements still without one, on demand).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from cabas.gestion.catalog.models import Product, Unit
from cabas.gestion.stores.models import Store

UnitWeight = tuple[str, int | None]
"""What a movement's weight needs of its product: (unit, net weight per piece in grams)."""


def unit_weight_of(product: Any) -> UnitWeight:
    """(unit, net_weight_g) of a product model or of a row with those attributes."""
    return product.unit, product.net_weight_g


def unit_weights(store: Store, product_ids: Iterable[int]) -> dict[int, UnitWeight]:
    """(unit, net weight) of the shop's products ``product_ids``, in one query."""
    ids = set(product_ids)
    if not ids:
        return {}
    rows = (
        Product.objects.filter(store=store, pk__in=ids)
        .order_by()
        .values_list("pk", "unit", "net_weight_g")
    )
    return {pk: (unit, weight) for pk, unit, weight in rows}


def movements_weigh_missing(*, store: Store) -> int:
    """Give their weight to the shop's movements that have none and whose product now has one
    (a weight typed after the goods came in). Returns how many movements were weighed."""
    from django.db import transaction
    from django.db.models import F

    from cabas.gestion.stock.models import StockMovement

    weighed = 0
    with transaction.atomic():
        pending = StockMovement.objects.filter(store=store, grams__isnull=True)
        weighed += pending.filter(product__unit=Unit.KG).update(grams=F("quantity"))
        for pk, weight in (
            Product.objects.filter(store=store, net_weight_g__isnull=False)
            .filter(~Q(unit=Unit.KG))
            .values_list("pk", "net_weight_g")
        ):
            assert weight is not None  # filtered on net_weight_g__isnull=False
            weighed += pending.filter(product_id=pk).update(grams=F("quantity") * weight)
    return weighed
