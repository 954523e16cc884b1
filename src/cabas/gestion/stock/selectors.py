"""Reads of the stock: a product's lots and history, dated lots to act on, counts to review,
the ledger consistency check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from cabas.gestion.catalog.models import Product
from cabas.gestion.stock.documents import document_label, document_url
from cabas.gestion.stock.models import (
    CountState,
    InventoryCount,
    InventoryCountLine,
    InventoryCountLotLine,
    Lot,
    StockMovement,
)
from cabas.gestion.stores.models import Store
from cabas.rules.dates import fefo_order, sellability
from cabas.rules.money import line_total_cents

PANEL_MOVEMENTS = 15


def movements_with_documents(movements: Any) -> list[StockMovement]:
    """The movements, each with ``document_link`` (URL or None) and ``document_name``."""
    rows = list(movements)
    for movement in rows:
        movement.document_link = document_url(movement.document_type, movement.document_id)
        movement.document_name = document_label(movement.document_type)
    return rows


def product_movements(store: Store, product: Product) -> QuerySet[StockMovement]:
    """A product's history, newest first (index stock_mvt_product)."""
    return (
        StockMovement.objects.filter(store=store, product=product)
        .select_related("created_by", "lot")
        .order_by("-occurred_at", "-id")
    )


def product_lots(store: Store, product: Product) -> list[Lot]:
    """The lots still holding stock, in the order sales take them (FEFO)."""
    lots = Lot.objects.filter(store=store, product=product, quantity__gt=0).order_by(
        "received_at", "id"
    )
    today = store.today()
    ordered = fefo_order(lots)
    for lot in ordered:
        lot.sellability = sellability(lot.dlc, lot.ddm, today)
    return ordered


def product_stock_panel(product: Product) -> dict[str, Any]:
    """The context of ``stock/_product_panel.html`` on the catalogue's product page:
    the lots (FEFO order) and the latest movements, each linked to its document."""
    store = product.store
    movements = movements_with_documents(product_movements(store, product)[: PANEL_MOVEMENTS + 1])
    return {
        "product": product,
        "lots": product_lots(store, product),
        "movements": movements[:PANEL_MOVEMENTS],
        "has_more": len(movements) > PANEL_MOVEMENTS,
        "history_url": reverse("stock:product_movements", kwargs={"product_id": product.pk}),
    }


@dataclass(frozen=True)
class DatedLots:
    today: date
    days: int
    dlc_soon: list[Lot]
    dlc_passed: list[Lot]
    ddm_passed: list[Lot]


def dated_lots(store: Store, *, days: int) -> DatedLots:
    """Lots still in stock whose DLC comes within ``days`` days (to pull from the shelves),
    whose DLC has passed (to dispose of), and whose DDM has passed (still sellable)."""
    today = store.today()
    held = Lot.objects.filter(store=store, quantity__gt=0).select_related("product")
    return DatedLots(
        today=today,
        days=days,
        dlc_soon=list(
            held.filter(dlc__gte=today, dlc__lte=today + timedelta(days=days)).order_by("dlc", "id")
        ),
        dlc_passed=list(held.filter(dlc__lt=today).order_by("dlc", "id")),
        ddm_passed=list(held.filter(ddm__lt=today).order_by("ddm", "id")),
    )


def alert_counts(store: Store, *, days: int) -> dict[str, int]:
    today = store.today()
    held = Lot.objects.filter(store=store, quantity__gt=0)
    return {
        "dlc_soon": held.filter(dlc__gte=today, dlc__lte=today + timedelta(days=days)).count(),
        "dlc_passed": held.filter(dlc__lt=today).count(),
        "ddm_passed": held.filter(ddm__lt=today).count(),
    }


def store_movements(store: Store, *, kind: str = "") -> QuerySet[StockMovement]:
    movements = StockMovement.objects.filter(store=store)
    if kind:
        movements = movements.filter(kind=kind)
    return movements.select_related("product", "created_by", "lot").order_by("-occurred_at", "-id")


def store_counts(store: Store) -> QuerySet[InventoryCount]:
    return InventoryCount.objects.filter(store=store).select_related("created_by")


def counts_in_progress(store: Store) -> QuerySet[InventoryCount]:
    return store_counts(store).filter(state=CountState.IN_PROGRESS)


def value_at_cost(quantity: int, product: Product) -> int:
    """Cents: pieces × cost, or grams × cost per kilo."""
    return line_total_cents(quantity, product.cost_cents, product.unit)  # type: ignore[arg-type]


def _with_difference(count: InventoryCount, line: InventoryCountLine) -> InventoryCountLine:
    """Set ``line.difference`` (what validating would write: see
    :func:`cabas.gestion.stock.services.inventory_count_validate`) and its ``value_cents``.
    A line counted lot by lot (``line.lot_rows``, set by :func:`attach_lot_lines`) differs by
    the sum of its lots' differences."""
    rows: list[InventoryCountLotLine] = getattr(line, "lot_rows", [])
    line.by_lot = any(row.counted is not None for row in rows)  # type: ignore[attr-defined]
    if count.state == CountState.IN_PROGRESS:
        for row in rows:
            row.difference = (
                None
                if row.counted is None
                else row.counted - (row.ledger_start + row.ledger_during)  # type: ignore[attr-defined]
            )
        if line.by_lot:  # type: ignore[attr-defined]
            line.difference = sum(row.difference or 0 for row in rows)
        else:
            line.difference = (
                None
                if line.counted is None
                # annotated by count_lines_with_ledger
                else line.counted - (line.ledger_start + line.ledger_during)  # type: ignore[attr-defined]
            )
    else:
        for row in rows:
            row.difference = row.adjustment
        line.difference = line.adjustment
    line.value_cents = value_at_cost(line.difference, line.product) if line.difference else 0
    return line


def attach_lot_lines(count: InventoryCount, lines: list[InventoryCountLine]) -> None:
    """Set ``line.lot_rows`` on each line: its lots (with the ledger while the count is in
    progress), in the order sales take them, the units outside any lot last; one query."""
    rows = InventoryCountLotLine.objects.filter(line__in=[line.pk for line in lines])
    if count.state == CountState.IN_PROGRESS:
        rows = count_lot_lines_with_ledger(count, rows)
    by_line: dict[int, list[InventoryCountLotLine]] = {}
    for row in rows.select_related("lot"):
        by_line.setdefault(row.line_id, []).append(row)
    for line in lines:
        found = by_line.get(line.pk, [])
        lots = fefo_order([row.lot for row in found if row.lot is not None])
        rank = {lot.pk: index for index, lot in enumerate(lots)}
        line.lot_rows = sorted(  # type: ignore[attr-defined]
            found, key=lambda row: rank.get(row.lot_id, len(rank)) if row.lot_id else len(rank)
        )


def count_line_review(count: InventoryCount, line_id: int) -> InventoryCountLine:
    lines = count_lines_with_ledger(count) if count.started_at else count.lines.all()
    line = lines.select_related("product").get(pk=line_id)
    attach_lot_lines(count, [line])
    return _with_difference(count, line)


def count_progress(count: InventoryCount) -> dict[str, int]:
    """How many lines are counted, out of how many (one query)."""
    totals = count.lines.aggregate(
        total=Count("id"), counted=Count("id", filter=Q(counted__isnull=False))
    )
    return {"counted": totals["counted"], "total": totals["total"]}


@dataclass
class CountReview:
    lines: list[InventoryCountLine]
    counted: int
    total: int
    differing: int
    value_cents: int


def count_review(count: InventoryCount) -> CountReview:
    """The lines of a count with, for each, the difference it would write now and its value at
    cost (the same rule as the validation, read in two queries: the lines, their lots), and
    the summary: computed on every read, so it is right after every line saved or scanned;
    validated counts show what was written."""
    if count.state == CountState.IN_PROGRESS:
        lines = list(count_lines_with_ledger(count).select_related("product"))
    else:
        lines = list(count.lines.select_related("product"))
    attach_lot_lines(count, lines)
    value = sum(_with_difference(count, line).value_cents for line in lines)
    return CountReview(
        lines=lines,
        counted=sum(1 for line in lines if line.counted is not None),
        total=len(lines),
        differing=sum(1 for line in lines if line.difference),
        value_cents=value,
    )


def count_scope(count: InventoryCount) -> QuerySet[Product]:
    """The products a count covers: active ones, and archived ones still holding stock."""
    products = Product.objects.filter(store_id=count.store_id).filter(
        Q(active=True) | ~Q(stock_qty=0)
    )
    category_ids = list(count.categories.values_list("pk", flat=True))
    if category_ids:
        products = products.filter(
            Q(category_id__in=category_ids) | Q(category__parent_id__in=category_ids)
        )
    return products


def count_lines_with_ledger(
    count: InventoryCount, *, until: datetime | None = None
) -> QuerySet[Any]:  # lines annotated with ledger_start, ledger_during
    """The count's lines annotated, in one query, with what the ledger says:

    - ``ledger_start``: the sum of the movements recorded up to the start of the count;
    - ``ledger_during``: the sum of the movements recorded after the start that happened
      (``occurred_at``) no later than the line was counted (or ``until`` for a line not
      counted yet).
    """
    assert count.started_at is not None
    movements = StockMovement.objects.filter(
        store_id=count.store_id, product_id=OuterRef("product_id")
    ).values("product_id")
    at_start = movements.filter(created_at__lte=count.started_at)
    during = movements.filter(
        created_at__gt=count.started_at,
        occurred_at__lte=Coalesce(OuterRef("counted_at"), Value(until or timezone.now())),
    )
    total = Sum("quantity")
    return count.lines.annotate(
        ledger_start=Coalesce(Subquery(at_start.annotate(t=total).values("t")), Value(0)),
        ledger_during=Coalesce(Subquery(during.annotate(t=total).values("t")), Value(0)),
    )


def count_lot_lines_with_ledger(
    count: InventoryCount, rows: QuerySet[InventoryCountLotLine], *, until: datetime | None = None
) -> QuerySet[InventoryCountLotLine]:
    """:func:`count_lines_with_ledger` for the lots of the lines: ``ledger_start`` and
    ``ledger_during`` sum the movements of the row's lot (of its product's movements outside
    any lot, for the row without a lot), up to the start, then up to the row's count time."""
    assert count.started_at is not None
    mine = StockMovement.objects.filter(
        store_id=count.store_id, product_id=OuterRef("line__product_id")
    )
    window = Q(
        created_at__gt=count.started_at,
        occurred_at__lte=Coalesce(OuterRef("counted_at"), Value(until or timezone.now())),
    )

    def total(movements: QuerySet[StockMovement]) -> Any:
        summed = movements.values("product_id").annotate(t=Sum("quantity")).values("t")
        return Coalesce(Subquery(summed), Value(0))

    in_lot = mine.filter(lot_id=OuterRef("lot_id"))
    outside = mine.filter(lot__isnull=True)
    started = Q(created_at__lte=count.started_at)
    return rows.annotate(
        ledger_start=Case(
            When(lot__isnull=True, then=total(outside.filter(started))),
            default=total(in_lot.filter(started)),
        ),
        ledger_during=Case(
            When(lot__isnull=True, then=total(outside.filter(window))),
            default=total(in_lot.filter(window)),
        ),
    )


# --- The ledger consistency check ----------------------------------------------------------


@dataclass(frozen=True)
class LevelDifference:
    """A stored level that differs from the sum of its movements."""

    kind: str  # "product" or "lot"
    pk: int
    product_id: int
    stored: int
    ledger: int

    @property
    def delta(self) -> int:
        return self.ledger - self.stored


_LEVEL_SQL = """
SELECT t.id, {product_col}, t.{level}, COALESCE(l.total, 0)
FROM {table} t
LEFT JOIN (
    SELECT {key}, SUM(quantity) AS total FROM {movements}
    WHERE store_id = %s AND {key} IS NOT NULL GROUP BY {key}
) l ON l.{key} = t.id
WHERE t.store_id = %s AND t.{level} <> COALESCE(l.total, 0)
ORDER BY t.id
"""


def stock_levels_check(*, store: Store) -> list[LevelDifference]:
    """Every product and lot level of the shop that differs from its ledger: one aggregate
    query for the products, one for the lots (each a single statement, so the level and the
    ledger it is compared with are read from the same snapshot)."""
    movements = StockMovement._meta.db_table
    differences: list[LevelDifference] = []
    for kind, model, level, key, product_col in (
        ("product", Product, "stock_qty", "product_id", "t.id"),
        ("lot", Lot, "quantity", "lot_id", "t.product_id"),
    ):
        sql = _LEVEL_SQL.format(
            table=model._meta.db_table,
            level=level,
            key=key,
            movements=movements,
            product_col=product_col,
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [store.pk, store.pk])
            differences += [
                LevelDifference(kind, pk, product_id, int(stored), int(ledger))
                for pk, product_id, stored, ledger in cursor.fetchall()
            ]
    return differences
