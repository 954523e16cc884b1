"""The sales tests' shop (products with a lot each, a household, tills) and a recall helper."""

from __future__ import annotations

from typing import Any

from cabas.gestion.recalls.models import Recall, RecallScope, RecallSource
from cabas.gestion.recalls.services import recall_record
from tests.gestion.sales.conftest import Shop, shop_a, shop_b, till_a, till_b  # noqa: F401


def recall_pasta(shop: Shop, actor: Any = None, **kwargs: Any) -> Recall:
    """A recall of the shop's whole pasta (every lot), for Listeria."""
    values: dict[str, Any] = {
        "scope": RecallScope.PRODUCT,
        "reason": "Listeria monocytogenes",
        "source": RecallSource.AUTHORITIES,
        "source_reference": "RappelConso 2024-01-0042",
        **kwargs,
    }
    return recall_record(store=shop.store, product=shop.pasta, actor=actor, **values)
