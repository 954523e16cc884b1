"""The ledger engine: movements, one or a batch for a till ticket, and the denormalised levels
they change (``Product.stock_qty``, ``Lot.quantity``) in the same transaction.

Levels are changed with arithmetic done by the database (``SET qty = qty + …``), never
read-modify-write in Python, so concurrent movements on one product never lose an update.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.selectors import entry_limit
from cabas.gestion.core.db import add_by_id, check_rowcount, flush_pending, insert_rows
from cabas.gestion.stock.documents import DocumentRef
from cabas.gestion.stock.models import KIND_SIGNS, Lot, MovementKind, StockMovement
from cabas.gestion.stock.weights import UnitWeight, unit_weight_of, unit_weights
from cabas.gestion.stores.models import Store
from cabas.rules.dates import allocate_fefo
from cabas.rules.quantities import format_quantity
from cabas.rules.weights import movement_grams


@dataclass(frozen=True, slots=True)
class MovementSpec:
    """One line of a batch: ``quantity`` is signed (negative for a sale).

    Without ``lot_id``, a negative quantity is taken from the product's lots first-expiring
    first, and a refund goes back to the lots the refunded sale took (see
    :func:`stock_movements_bulk_record`); with ``outside_lots``, the quantity is recorded
    without a lot as it is (an inventory's correction of the units outside any lot).
    """

    product_id: int
    quantity: int
    kind: str = MovementKind.SALE
    lot_id: int | None = None
    reason: str = ""
    outside_lots: bool = False
    # The product's (unit, net weight per piece), when the caller has it: else read in one
    # query for the batch. The movement's grams are computed from it.
    unit_weight: UnitWeight | None = None


def _check_spec(spec: MovementSpec) -> None:
    sign = KIND_SIGNS.get(spec.kind)
    if sign is None:
        raise ValidationError(_("Nature de mouvement inconnue : %(kind)s") % {"kind": spec.kind})
    if spec.quantity == 0:
        raise ValidationError(_("Un mouvement de stock ne peut pas être nul."))
    if sign * spec.quantity < 0:
        raise ValidationError(
            _("La quantité d'un mouvement « %(kind)s » doit être %(sign)s.")
            % {
                "kind": MovementKind(spec.kind).label,
                "sign": _("positive") if sign > 0 else _("négative"),
            }
        )


def apply_levels(
    store: Store,
    product_deltas: dict[int, int],
    lot_deltas: dict[int, int],
    cursor: Any = None,
) -> None:
    """Add ``product_deltas`` to the products' ``stock_qty`` and ``lot_deltas`` to the lots'
    ``quantity`` (ids of ``store`` only), one UPDATE each, without writing movements: for the
    engine, which writes the movements itself, the consistency fix and the demo loader."""
    product_deltas = {pk: d for pk, d in product_deltas.items() if d}
    lot_deltas = {pk: d for pk, d in lot_deltas.items() if d}
    if cursor is None:
        with connection.cursor() as own:
            apply_levels(store, product_deltas, lot_deltas, own)
        return
    if product_deltas:
        add_by_id(cursor, Product, "stock_qty", product_deltas, store_id=store.pk)
        check_rowcount(
            cursor,
            len(product_deltas),
            ValidationError(_("Un des produits n'existe pas dans cette épicerie.")),
        )
    if lot_deltas:
        add_by_id(cursor, Lot, "quantity", lot_deltas, store_id=store.pk)


def _refund_parts(
    store: Store, document_type: str, refund_of: str, product_ids: set[int]
) -> dict[int, list[tuple[int | None, int]]]:
    """For each product, what the refunded sale took and earlier refunds of it have not given
    back yet: ``[(lot_id or None, units), …]``, last taken first, so refunds undo the sale in
    reverse. One query: the sale's movements and the earlier refunds' that name it."""
    taken: dict[int, list[tuple[int | None, int]]] = defaultdict(list)
    given: dict[tuple[int, int | None], int] = defaultdict(int)
    rows = (
        StockMovement.objects.filter(
            Q(document_id=refund_of, kind=MovementKind.SALE)
            | Q(refunded_document_id=refund_of, kind=MovementKind.REFUND),
            store=store,
            document_type=document_type,
            product_id__in=product_ids,
        )
        .order_by("-id")
        .values_list("product_id", "lot_id", "kind", "quantity")
    )
    for product_id, lot_id, kind, quantity in rows:
        if kind == MovementKind.SALE:
            taken[product_id].append((lot_id, -quantity))
        else:
            given[(product_id, lot_id)] += quantity
    parts: dict[int, list[tuple[int | None, int]]] = {}
    for product_id, sold in taken.items():
        left: list[tuple[int | None, int]] = []
        for sold_lot, units in sold:
            back = min(units, given[(product_id, sold_lot)])
            given[(product_id, sold_lot)] -= back
            if units > back:
                left.append((sold_lot, units - back))
        parts[product_id] = left
    return parts


def stock_movements_bulk_record(
    *,
    store: Store,
    specs: Sequence[MovementSpec],
    occurred_at: datetime,
    document_type: str,
    document_id: str,
    actor: User | None = None,
    refund_of_document_id: str | None = None,
) -> list[StockMovement]:
    """Record a batch of movements of one document (a till ticket, a delivery, a count) in a
    handful of statements, whatever the number of lines:

    1. one ``SELECT … FOR UPDATE`` of the lots the batch takes from (only if some line takes);
    2. (refunds only) one ``SELECT`` of what the refunded sale took from which lot;
    3. one ``UPDATE`` of every product's ``stock_qty`` (``CASE id WHEN … THEN …``);
    4. one multi-row ``INSERT`` of the movements;
    5. one ``UPDATE`` of the lots' remaining quantities, if any lot moved.

    Negative lines without a lot are taken from the product's lots first-expiring first
    (:func:`cabas.rules.dates.allocate_fefo`), one movement per lot; what the lots do not cover
    is recorded without a lot: a sale that happened is never refused. Refund lines without a
    lot go back to the lots the sale ``refund_of_document_id`` (same ``document_type``) took,
    last taken first; the rest, or all of it when that sale is unknown, without a lot.

    Runs in the caller's transaction when there is one, without a savepoint (two statements
    saved per ticket): the specs are checked before anything is written, and an error found
    later (a product or lot of another shop) aborts the caller's transaction.
    """
    specs = _checked_specs(specs, occurred_at)
    if not specs:
        return []
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        movements, _rows = _bulk_record(
            store=store,
            specs=specs,
            occurred_at=occurred_at,
            document_type=document_type,
            document_id=document_id,
            actor=actor,
            refund_of_document_id=refund_of_document_id,
            cursor=cursor,
            instances=True,
        )
        return movements


def _checked_specs(specs: Iterable[MovementSpec], occurred_at: datetime) -> list[MovementSpec]:
    """The specs as a list, each checked, before anything is written."""
    checked = list(specs)
    for spec in checked:
        _check_spec(spec)
    if checked and timezone.is_naive(occurred_at):
        raise ValueError("occurred_at must be timezone-aware")
    return checked


@dataclass(frozen=True, slots=True)
class MovedRow:
    """What a movement of :func:`stock_movements_bulk_apply` did, without its model instance."""

    product_id: int
    lot_id: int | None
    quantity: int


def stock_movements_bulk_apply(
    *,
    store: Store,
    specs: Sequence[MovementSpec],
    occurred_at: datetime,
    document_type: str,
    document_id: str,
    cursor: Any,
    refund_of_document_id: str | None = None,
) -> list[MovedRow]:
    """:func:`stock_movements_bulk_record` for the till ticket intake, which must already hold
    a transaction: the same statements on the caller's ``cursor``, minus the ``RETURNING`` of
    the ids, and plain rows back instead of model instances (building them cost more than the
    statements on a 5-line ticket)."""
    specs = _checked_specs(specs, occurred_at)
    if not specs:
        return []
    if connection.get_autocommit():
        raise RuntimeError("stock_movements_bulk_apply runs inside the caller's transaction")
    _movements, rows = _bulk_record(
        store=store,
        specs=specs,
        occurred_at=occurred_at,
        document_type=document_type,
        document_id=document_id,
        actor=None,
        refund_of_document_id=refund_of_document_id,
        cursor=cursor,
        instances=False,
    )
    return rows


@dataclass(slots=True)
class _LockedLot:
    """What the batch needs of a lot (read with a plain cursor: no model instance to build)."""

    pk: int
    product_id: int
    quantity: int
    expiry: date | None
    received_at: Any


def _lock_lots(
    store: Store, takers: set[int], named_lots: set[int], cursor: Any
) -> list[_LockedLot]:
    """The lots of ``takers`` that still hold units, and the ``named_lots``, of this shop only,
    in id order, locked when the database can lock rows."""
    quote = connection.ops.quote_name
    table = quote(Lot._meta.db_table)
    where: list[str] = []
    params: list[Any] = [store.pk]
    if takers:
        marks = ", ".join(["%s"] * len(takers))
        where.append(f"({quote('product_id')} IN ({marks}) AND {quote('quantity')} > 0)")
        params.extend(takers)
    if named_lots:
        where.append(f"{quote('id')} IN ({', '.join(['%s'] * len(named_lots))})")
        params.extend(named_lots)
    # Locked: two tills selling the last units of one lot at once would both read the same
    # remaining quantity and overdraw it; the lock makes the second wait, then re-read.
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT {quote('id')}, {quote('product_id')}, {quote('quantity')}, {quote('dlc')}, "  # noqa: S608
        f"{quote('ddm')}, {quote('received_at')} FROM {table} WHERE {quote('store_id')} = %s "
        f"AND ({' OR '.join(where)}) ORDER BY {quote('id')}{lock}"
    )
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    return [
        _LockedLot(pk, product_id, quantity, dlc or ddm, received_at)
        for pk, product_id, quantity, dlc, ddm, received_at in rows
    ]


def stock_levels_lock(*, store: Store, product_ids: Iterable[int], cursor: Any) -> None:
    """Lock, in the caller's transaction, the stock levels a batch of documents will change:
    the products' rows, then their lots that still hold units, each in id order.

    Why: two batches of till tickets naming the same products in opposite orders would each
    hold a product the other one waits for (a deadlock). Taken up front in one global order
    (products, then lots, by id), the second batch waits for the first one's commit instead.
    The lots are in practice serialised by their product's lock already: locking them here
    too keeps the order explicit for any writer that takes a lot first. A no-op where the
    database has no row locks (SQLite takes one write lock for the whole transaction)."""
    ids = sorted({int(pk) for pk in product_ids})
    if not ids or not connection.features.has_select_for_update:
        return
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(ids))
    for table, column, extra in (
        (Product._meta.db_table, "id", ""),
        (Lot._meta.db_table, "product_id", f" AND {quote('quantity')} > 0"),
    ):
        cursor.execute(
            f"SELECT {quote('id')} FROM {quote(table)} WHERE {quote('store_id')} = %s "  # noqa: S608
            f"AND {quote(column)} IN ({marks}){extra} ORDER BY {quote('id')} FOR UPDATE",
            [store.pk, *ids],
        )


# StockMovement's attributes, in the order of its constructor's positional arguments (the id
# first).
_MOVEMENT_FIELDS = [f.attname for f in StockMovement._meta.concrete_fields]


def _movements_insert(
    rows: list[dict[str, Any]], cursor: Any, instances: bool
) -> list[StockMovement]:
    """One multi-row INSERT of the movements (``rows`` without their id), with ``RETURNING``
    of the ids where the database has it, as ``bulk_create`` would; the model instances are
    built after, from the plain values (not at all when ``instances`` is false)."""
    ids = insert_rows(cursor, StockMovement, rows, returning=instances)
    if not instances:
        return []
    alias = connection.alias
    return [
        StockMovement.from_db(
            alias, _MOVEMENT_FIELDS, [pk, *(row[f] for f in _MOVEMENT_FIELDS[1:])]
        )
        for pk, row in zip(ids or [None] * len(rows), rows, strict=True)
    ]


def _bulk_record(
    *,
    store: Store,
    specs: list[MovementSpec],
    occurred_at: datetime,
    document_type: str,
    document_id: str,
    actor: User | None,
    refund_of_document_id: str | None,
    cursor: Any,
    instances: bool,
) -> tuple[list[StockMovement], list[MovedRow]]:
    takers = {
        s.product_id for s in specs if s.quantity < 0 and s.lot_id is None and not s.outside_lots
    }
    named_lots = {s.lot_id for s in specs if s.lot_id is not None}
    lots: dict[int, _LockedLot] = {}
    fefo: dict[int, list[_LockedLot]] = defaultdict(list)
    if takers or named_lots:
        for lot in _lock_lots(store, takers, named_lots, cursor):
            lots[lot.pk] = lot
            if lot.product_id in takers and lot.quantity > 0:
                fefo[lot.product_id].append(lot)
    available = {pk: lot.quantity for pk, lot in lots.items()}

    refunds: dict[int, list[tuple[int | None, int]]] = {}
    refunders = {s.product_id for s in specs if s.kind == MovementKind.REFUND and s.lot_id is None}
    if refund_of_document_id and refunders:
        flush_pending(cursor)  # an ORM read: after what the caller's cursor holds back
        refunds = _refund_parts(store, document_type, refund_of_document_id, refunders)

    weights = {s.product_id: s.unit_weight for s in specs if s.unit_weight is not None}
    unweighed = {s.product_id for s in specs if s.product_id not in weights}
    if unweighed:
        flush_pending(cursor)  # an ORM read: after what the caller's cursor holds back
        weights.update(unit_weights(store, unweighed))

    now = timezone.now()
    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    rows: list[dict[str, Any]] = []
    moved: list[MovedRow] = []
    product_deltas: dict[int, int] = defaultdict(int)
    lot_deltas: dict[int, int] = defaultdict(int)
    refunded = refund_of_document_id or ""

    for spec in specs:
        if spec.lot_id is not None:
            named = lots.get(spec.lot_id)
            if named is None or named.product_id != spec.product_id:
                raise ValidationError(_("Ce lot n'est pas un lot de ce produit."))
            if spec.quantity < 0 and available[named.pk] + spec.quantity < 0:
                raise ValidationError(
                    _("Le lot ne contient plus que %(qty)s.") % {"qty": available[named.pk]}
                )
            parts: list[tuple[int | None, int]] = [(named.pk, spec.quantity)]
        elif spec.outside_lots:
            parts = [(None, spec.quantity)]
        elif spec.quantity < 0:
            candidates = sorted(fefo.get(spec.product_id, []), key=lambda lot: lot.received_at)
            allocation = allocate_fefo(
                [(lot.pk, available[lot.pk], lot.expiry) for lot in candidates], -spec.quantity
            )
            parts = [(lot_id, -qty) for lot_id, qty in allocation]
        elif spec.kind == MovementKind.REFUND and spec.product_id in refunds:
            parts = _give_back(refunds[spec.product_id], spec.quantity)
        else:
            parts = [(None, spec.quantity)]

        kind = str(spec.kind)
        reason = spec.reason[:300]
        unit, net_weight = weights.get(spec.product_id, ("piece", None))
        for lot_id, qty in parts:
            row = dict(
                store_id=store.pk,
                product_id=spec.product_id,
                lot_id=lot_id,
                kind=kind,
                quantity=qty,
                grams=movement_grams(qty, unit, net_weight),
                created_by_id=user_id,
                created_at=now,
                occurred_at=occurred_at,
                document_type=document_type,
                document_id=document_id,
                refunded_document_id=refunded if kind == MovementKind.REFUND else "",
                reason=reason,
            )
            rows.append(row)
            moved.append(MovedRow(spec.product_id, lot_id, qty))
            product_deltas[spec.product_id] += qty
            if lot_id is not None:
                lot_deltas[lot_id] += qty
                available[lot_id] = available.get(lot_id, 0) + qty

    apply_levels(store, product_deltas, lot_deltas, cursor)
    return _movements_insert(rows, cursor, instances), moved


def _give_back(taken: list[tuple[int | None, int]], quantity: int) -> list[tuple[int | None, int]]:
    """Spread a refunded ``quantity`` over what the sale took (consumed in place, so two refund
    lines of one product in a batch do not give the same units back twice)."""
    parts: list[tuple[int | None, int]] = []
    remaining = quantity
    while remaining > 0 and taken:
        lot_id, units = taken[0]
        give = min(units, remaining)
        parts.append((lot_id, give))
        remaining -= give
        if give == units:
            taken.pop(0)
        else:
            taken[0] = (lot_id, units - give)
    if remaining > 0:
        parts.append((None, remaining))
    return parts


def stock_movement_record(
    *,
    store: Store,
    product: Product,
    kind: str,
    quantity: int,
    actor: User | None,
    lot: Lot | None = None,
    document: DocumentRef | tuple[str, str] | None = None,
    occurred_at: datetime | None = None,
    reason: str = "",
) -> list[StockMovement]:
    """Record one change of stock of ``product``. Returns its movements: one, or one per lot
    when a negative quantity without a lot is taken from several lots (FEFO)."""
    if product.store_id != store.pk:
        raise ValidationError(_("Ce produit n'existe pas dans cette épicerie."))
    document_type, document_id = document or ("", "")
    return stock_movements_bulk_record(
        store=store,
        specs=[
            MovementSpec(
                product_id=product.pk,
                quantity=quantity,
                kind=kind,
                lot_id=lot.pk if lot is not None else None,
                reason=reason,
                unit_weight=unit_weight_of(product),
            )
        ],
        occurred_at=occurred_at or timezone.now(),
        document_type=document_type,
        document_id=str(document_id),
        actor=actor,
    )


def check_entry_quantity(*, store: Store, product: Product, quantity: int) -> None:
    """Refuse a line above the shop's bound (a typo such as 999 999 999 999 pieces)."""
    limit = entry_limit(store, product.unit)
    if abs(quantity) > limit:
        raise ValidationError(
            {
                "quantity": _(
                    "%(quantity)s pour une seule ligne, c'est plus que le maximum de "
                    "l'épicerie (%(limit)s). Vérifiez la saisie ; le maximum se règle dans "
                    "les réglages du catalogue."
                )
                % {
                    "quantity": format_quantity(abs(quantity), product.unit),
                    "limit": format_quantity(limit, product.unit),
                }
            }
        )
