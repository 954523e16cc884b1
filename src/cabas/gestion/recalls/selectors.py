"""Reads of recalls: the shop's list, the households who bought a recalled product (to call
them), and what the tills and the ticket intake need to know."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.recalls.documents import RECALL_DOCUMENT
from cabas.gestion.recalls.models import Recall, RecallAction, RecallScope, RecallState
from cabas.gestion.sales.models import DOCUMENT_TYPE as TICKET_DOCUMENT
from cabas.gestion.sales.models import Anomaly, TicketLine
from cabas.gestion.stock.models import MovementKind, StockMovement
from cabas.gestion.stores.models import Store


def store_recalls(store: Store) -> QuerySet[Recall]:
    return (
        Recall.objects.filter(store=store)
        .select_related("product", "created_by")
        .annotate(lot_count=Count("lots", distinct=True))
        .order_by("-created_at", "-id")
    )


def recall_for(store: Store, recall_id: int) -> Recall | None:
    return (
        Recall.objects.filter(store=store, pk=recall_id)
        .select_related("product", "created_by")
        .first()
    )


def recall_removals(recall: Recall) -> QuerySet[StockMovement]:
    """The movements that took the recalled stock out."""
    return (
        StockMovement.objects.filter(
            store_id=recall.store_id, document_type=RECALL_DOCUMENT, document_id=str(recall.pk)
        )
        .select_related("lot", "created_by")
        .order_by("id")
    )


def recall_actions(recall: Recall) -> QuerySet[RecallAction]:
    return recall.actions.select_related("done_by", "household").order_by("-done_at", "-id")


_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass
class Buyer:
    """A household that bought the recalled product: what, when, and what was done since."""

    household: Household
    quantity: int = 0
    first_bought_at: datetime | None = None
    last_bought_at: datetime | None = None
    tickets: set[uuid.UUID] = field(default_factory=set)
    last_action: RecallAction | None = None


@dataclass
class Buyers:
    households: list[Buyer]
    anonymous_tickets: int
    """Sales without a client card: nobody to call (a notice at the till instead)."""


def _sold_tickets(recall: Recall) -> set[uuid.UUID]:
    """The tickets that sold the recalled goods: those whose stock movements took from a
    recalled lot (any lot of the product for a whole-product recall), and those the intake
    flagged for this recall (sold by a till that had not synced, or before the recall)."""
    movements = StockMovement.objects.filter(
        store_id=recall.store_id,
        product_id=recall.product_id,
        document_type=TICKET_DOCUMENT,
        kind=MovementKind.SALE,
    )
    if recall.scope != RecallScope.PRODUCT:
        movements = movements.filter(lot__in=recall.lots.all())
    ids = {uuid.UUID(value) for value in movements.values_list("document_id", flat=True)}
    ids.update(
        Anomaly.objects.filter(
            store_id=recall.store_id, kind=Anomaly.Kind.RECALLED, details__recall_id=recall.pk
        ).values_list("ticket_id", flat=True)
    )
    return ids


def recall_buyers(recall: Recall) -> Buyers:
    """Who bought the recalled goods, net of what they brought back through a refund, the
    households with their contact, most recent purchase first."""
    tickets = _sold_tickets(recall)
    if not tickets:
        return Buyers([], 0)
    ticket_list = list(tickets)
    lines = TicketLine.objects.filter(
        Q(ticket_id__in=ticket_list) | Q(refund_of__in=ticket_list),
        store_id=recall.store_id,
        product_id=recall.product_id,
    ).values_list("ticket_id", "household_id", "quantity", "created_at", "refund_of")
    by_household: dict[int, dict[str, Any]] = {}
    anonymous: set[uuid.UUID] = set()
    for ticket_id, household_id, quantity, created_at, refund_of in lines:
        if household_id is None:
            if refund_of is None:
                anonymous.add(ticket_id)
            continue
        row = by_household.setdefault(
            household_id, {"quantity": 0, "first": None, "last": None, "tickets": set()}
        )
        row["quantity"] += quantity
        if refund_of is None:
            row["tickets"].add(ticket_id)
            row["first"] = min(filter(None, [row["first"], created_at]))
            row["last"] = max(filter(None, [row["last"], created_at]))
    households = Household.objects.in_bulk(list(by_household))
    last_actions: dict[int, RecallAction] = {}
    for action in (
        recall.actions.filter(household_id__in=list(by_household))
        .select_related("done_by")
        .order_by("done_at", "id")
    ):
        assert action.household_id is not None
        last_actions[action.household_id] = action
    buyers = [
        Buyer(
            household=households[pk],
            quantity=row["quantity"],
            first_bought_at=row["first"],
            last_bought_at=row["last"],
            tickets=row["tickets"],
            last_action=last_actions.get(pk),
        )
        for pk, row in by_household.items()
        if pk in households
    ]
    buyers.sort(key=lambda b: b.last_bought_at or _NEVER, reverse=True)
    return Buyers(buyers, len(anonymous))


@dataclass(frozen=True)
class Block:
    """An active recall of a product, as the tills show it."""

    recall_id: int
    reason: str
    lots: str


def blocked_products(store: Store, product_ids: Iterable[int] | None = None) -> dict[int, Block]:
    """The products the tills must refuse (an active recall), with the recall to name; the
    most recent recall of a product when it has several."""
    recalls = Recall.objects.filter(store=store, state=RecallState.ACTIVE)
    if product_ids is not None:
        recalls = recalls.filter(product_id__in=list(product_ids))
    blocks: dict[int, Block] = {}
    for recall in recalls.order_by("created_at", "id").only(
        "pk", "product_id", "reason", "scope", "dlc_from", "dlc_to"
    ):
        blocks[recall.product_id] = Block(recall.pk, recall.reason, recall.lots_label())
    return blocks


def products_with_recalls_changed_since(store: Store, moment: datetime) -> QuerySet[Any]:
    """The ids (a ``values`` query, to nest in another) of the products whose recalls were
    recorded, lifted or closed since ``moment``: the tills' delta sends them again."""
    return Recall.objects.filter(store=store, updated_at__gt=moment).values("product_id")


@dataclass(frozen=True)
class IntakeRecall:
    """What the ticket intake checks a sold line against: the recall blocked the product from
    ``since`` until ``until`` (None while it still does)."""

    recall_id: int
    since: datetime
    until: datetime | None
    label: str


def recalls_for_intake(
    store: Store, product_ids: Iterable[int], *, sold_from: datetime
) -> dict[int, list[IntakeRecall]]:
    """The recalls of these products that blocked the tills at some point since ``sold_from``
    (the batch's oldest sale), by product: one query."""
    found: dict[int, list[IntakeRecall]] = {}
    rows = (
        Recall.objects.filter(store=store, product_id__in=list(product_ids))
        .filter(Q(lifted_at__isnull=True) | Q(lifted_at__gt=sold_from))
        .order_by("created_at", "id")
        .values_list("pk", "product_id", "created_at", "lifted_at", "reason")
    )
    for pk, product_id, created_at, lifted_at, reason in rows:
        found.setdefault(product_id, []).append(IntakeRecall(pk, created_at, lifted_at, reason))
    return found
