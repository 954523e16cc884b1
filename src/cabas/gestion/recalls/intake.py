"""What the ticket intake flags on a line that sold a recalled product: a till that had not
synced since the recall (offline), or that sold before it and sent the ticket after."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cabas.gestion.recalls.selectors import IntakeRecall, recalls_for_intake
from cabas.gestion.sales.line_checks import LineCheck
from cabas.gestion.sales.models import Anomaly


def recall_anomalies(
    recalls: Sequence[IntakeRecall], sold_at: datetime, line: Any, position: int, product_id: int
) -> list[dict[str, Any]]:
    """The anomaly rows (as :mod:`cabas.gestion.sales.intake` inserts them) for one sold line
    of a product that ``recalls`` cover: a sale made while a recall blocked the product, or
    made before a recall still in force (its stock movement could not name the recalled lot,
    emptied since: the manager checks which lot it was)."""
    rows: list[dict[str, Any]] = []
    label = str(line.label)[:60]
    for recall in recalls:
        during = recall.since <= sold_at and (recall.until is None or sold_at < recall.until)
        before = sold_at < recall.since and recall.until is None
        if during:
            message = (
                f"Ligne {position} : « {label} » vendu alors qu'il était rappelé "
                f"({recall.label[:80]}) : la caisse n'avait pas encore reçu le rappel. "
                "Prévenez le foyer."
            )
        elif before:
            message = (
                f"Ligne {position} : « {label} » vendu avant son rappel ({recall.label[:80]}), "
                "ticket reçu après : vérifiez s'il venait d'un lot rappelé."
            )
        else:
            continue
        rows.append(
            {
                "kind": Anomaly.Kind.RECALLED,
                "message": message[:300],
                "line_position": position,
                "details": {
                    "recall_id": recall.recall_id,
                    "product_id": product_id,
                    "sold_during_recall": during,
                },
            }
        )
    return rows


def _check(
    loaded: dict[int, list[IntakeRecall]],
    product_id: int,
    sold_at: datetime,
    line: Any,
    position: int,
) -> list[dict[str, Any]]:
    recalls = loaded.get(product_id)
    return recall_anomalies(recalls, sold_at, line, position, product_id) if recalls else []


# Registered by RecallsConfig.ready(): one query per batch (the recalls of its products).
RECALL_LINE_CHECK = LineCheck(
    name="recalls",
    load=lambda store, product_ids, sold_from: recalls_for_intake(
        store, product_ids, sold_from=sold_from
    ),
    check=_check,
)
