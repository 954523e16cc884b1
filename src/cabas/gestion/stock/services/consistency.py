"""The ledger consistency check's fix: levels brought back to their ledger (the check itself
is a read: :func:`cabas.gestion.stock.selectors.stock_levels_check`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record
from cabas.gestion.catalog.models import Product
from cabas.gestion.stock.models import Lot
from cabas.gestion.stock.selectors import LevelDifference
from cabas.gestion.stock.services.ledger import apply_levels
from cabas.gestion.stores.models import Store


@transaction.atomic
def stock_levels_fix(
    *, store: Store, differences: Sequence[LevelDifference], actor: User | None = None
) -> None:
    """Bring the levels back to their ledger, each with an audit event.

    The ledger is right by definition, so no movement is written. The correction is added
    (``level + (ledger − stored)``, as read together by the check) rather than set: a movement
    recorded since the check moved both the ledger and the level, and stays counted."""
    product_deltas = {d.pk: d.delta for d in differences if d.kind == "product"}
    lot_deltas = {d.pk: d.delta for d in differences if d.kind == "lot"}
    apply_levels(store, product_deltas, lot_deltas)
    targets: dict[str, dict[int, Any]] = {
        "product": Product.objects.in_bulk(list(product_deltas)),
        "lot": Lot.objects.in_bulk(list(lot_deltas)),
    }
    field = {"product": "stock_qty", "lot": "quantity"}
    for d in differences:
        audit_record(
            store=store,
            actor=actor,
            action="stock.level_fixed",
            target=targets[d.kind][d.pk],
            changes={field[d.kind]: [d.stored, d.ledger]},
            reason=_("Niveau recalculé depuis le registre des mouvements (check_stock --fix)"),
        )
