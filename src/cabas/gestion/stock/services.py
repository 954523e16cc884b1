"""The only writers of stock: movements (one, or a batch for a till ticket), lots, losses,
expiry disposals, inventory counts and the ledger consistency check.

Every function writes the movements and the denormalised levels they change
(``Product.stock_qty``, ``Lot.quantity``) in one transaction, with arithmetic done by the
database (``SET qty = qty + …``), never read-modify-write in Python, so concurrent movements on
one product never lose an update.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import (
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.audit.services import audit_record
from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.catalog.selectors import entry_limit
from cabas.gestion.core.db import check_rowcount, flush_pending
from cabas.gestion.stock.documents import COUNT_DOCUMENT, LOT_DOCUMENT, DocumentRef
from cabas.gestion.stock.models import (
    KIND_SIGNS,
    CountState,
    InventoryCount,
    InventoryCountLine,
    LossCause,
    Lot,
    LotOrigin,
    MovementKind,
    StockMovement,
)
from cabas.gestion.stock.weights import UnitWeight, unit_weight_of, unit_weights
from cabas.gestion.stores.models import Store
from cabas.rules.dates import allocate_fefo
from cabas.rules.pricing import PROGRAMME_ORIGINS
from cabas.rules.quantities import format_quantity, stored_quantity
from cabas.rules.weights import movement_grams


@dataclass(frozen=True, slots=True)
class MovementSpec:
    """One line of a batch: ``quantity`` is signed (negative for a sale).

    Without ``lot_id``, a negative quantity is taken from the product's lots first-expiring
    first, and a refund goes back to the lots the refunded sale took (see
    :func:`stock_movements_bulk_record`).
    """

    product_id: int
    quantity: int
    kind: str = MovementKind.SALE
    lot_id: int | None = None
    reason: str = ""
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


_CASE_SQL: dict[tuple[str, str, str, int], str] = {}


def _add_case_sql(table: str, column: str, deltas: dict[int, int]) -> tuple[str, list[int]]:
    """``UPDATE table SET column = column + CASE id WHEN … THEN delta END WHERE store_id = %s
    AND id IN (…)``: one UPDATE for many rows, computed by the database on the row's current
    value, so a concurrent writer's change is never lost. Written as SQL (integers passed as
    parameters), built once per table and row count: compiling the ORM version cost more than
    running the statement."""
    key = (connection.vendor, table, column, len(deltas))
    sql = _CASE_SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        quoted, pk = quote(column), quote("id")
        whens = " ".join(["WHEN %s THEN %s"] * len(deltas))
        marks = ", ".join(["%s"] * len(deltas))
        sql = _CASE_SQL[key] = (
            f"UPDATE {quote(table)} SET {quoted} = {quoted} + CASE {pk} {whens} ELSE 0 END "  # noqa: S608
            f"WHERE {quote('store_id')} = %s AND {pk} IN ({marks})"
        )
    params = [value for key_, delta in deltas.items() for value in (int(key_), int(delta))]
    return sql, params


def _apply_levels(
    store: Store,
    product_deltas: dict[int, int],
    lot_deltas: dict[int, int],
    cursor: Any = None,
) -> None:
    product_deltas = {pk: d for pk, d in product_deltas.items() if d}
    lot_deltas = {pk: d for pk, d in lot_deltas.items() if d}
    if cursor is None:
        with connection.cursor() as own:
            _apply_levels(store, product_deltas, lot_deltas, own)
        return
    if product_deltas:
        sql, params = _add_case_sql(Product._meta.db_table, "stock_qty", product_deltas)
        cursor.execute(sql, [*params, store.pk, *map(int, product_deltas)])
        check_rowcount(
            cursor,
            len(product_deltas),
            ValidationError(_("Un des produits n'existe pas dans cette épicerie.")),
        )
    if lot_deltas:
        sql, params = _add_case_sql(Lot._meta.db_table, "quantity", lot_deltas)
        cursor.execute(sql, [*params, store.pk, *map(int, lot_deltas)])


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
    actor: Any = None,
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


# StockMovement's columns, in the order of its constructor's positional arguments (the id
# first), and the multi-row INSERT of n movements, built once per n.
_MOVEMENT_FIELDS = [f.attname for f in StockMovement._meta.concrete_fields]
_MOVEMENT_INSERTS: dict[tuple[str, int, bool], str] = {}


def _movements_insert(rows: list[list[Any]], cursor: Any, instances: bool) -> list[StockMovement]:
    """One multi-row INSERT of the movements (``rows`` without their id), with ``RETURNING``
    of the ids where the database has it, as ``bulk_create`` would; the model instances are
    built after, from the plain values (not at all when ``instances`` is false)."""
    returning = instances and connection.features.can_return_rows_from_bulk_insert
    key = (connection.vendor, len(rows), returning)
    sql = _MOVEMENT_INSERTS.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in StockMovement._meta.concrete_fields[1:])
        row = "(" + ", ".join(["%s"] * (len(_MOVEMENT_FIELDS) - 1)) + ")"
        sql = _MOVEMENT_INSERTS[key] = (
            f"INSERT INTO {quote(StockMovement._meta.db_table)} ({columns}) VALUES "  # noqa: S608
            + ", ".join([row] * len(rows))
            + (f" RETURNING {quote('id')}" if returning else "")
        )
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    for values in rows:
        params.extend(values)
    # created_at and occurred_at, as DateTimeField.get_db_prep_value adapts them.
    width = len(_MOVEMENT_FIELDS) - 1
    created = _MOVEMENT_FIELDS.index("created_at") - 1
    occurred = _MOVEMENT_FIELDS.index("occurred_at") - 1
    # The same two times on every movement of a document: each converted once.
    times: dict[int, Any] = {}
    for start in range(0, len(params), width):
        for at in (start + created, start + occurred):
            value = params[at]
            converted = times.get(id(value))
            if converted is None:
                converted = times[id(value)] = adapt(value)
            params[at] = converted
    cursor.execute(sql, params)
    if not instances:
        return []
    ids = [row[0] for row in cursor.fetchall()] if returning else [None] * len(rows)
    alias = connection.alias
    return [
        StockMovement.from_db(alias, _MOVEMENT_FIELDS, [pk, *values])
        for pk, values in zip(ids, rows, strict=True)
    ]


def _bulk_record(
    *,
    store: Store,
    specs: list[MovementSpec],
    occurred_at: datetime,
    document_type: str,
    document_id: str,
    actor: Any,
    refund_of_document_id: str | None,
    cursor: Any,
    instances: bool,
) -> tuple[list[StockMovement], list[MovedRow]]:
    takers = {s.product_id for s in specs if s.quantity < 0 and s.lot_id is None}
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
    user_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    rows: list[list[Any]] = []
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
            rows.append([row[name] for name in _MOVEMENT_FIELDS[1:]])
            moved.append(MovedRow(spec.product_id, lot_id, qty))
            product_deltas[spec.product_id] += qty
            if lot_id is not None:
                lot_deltas[lot_id] += qty
                available[lot_id] = available.get(lot_id, 0) + qty

    _apply_levels(store, product_deltas, lot_deltas, cursor)
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
    actor: Any,
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


# --- Lots ---------------------------------------------------------------------------------


def _local_date(store: Store, moment: datetime) -> date:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(store.timezone)).date()


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


@transaction.atomic
def lot_receive(
    *,
    store: Store,
    product: Product,
    quantity: int,
    actor: Any,
    kind: str = MovementKind.RECEPTION,
    dlc: date | None = None,
    ddm: date | None = None,
    origin: str = LotOrigin.PURCHASE,
    programme: str = "",
    source_label: str = "",
    document: DocumentRef | tuple[str, str] | None = None,
    received_at: datetime | None = None,
    reason: str = "",
    expired_on_arrival: bool = False,
) -> Lot:
    """Goods come in (a delivery, a donation): a new lot and its entry movement.

    Without ``document`` the movement links to the lot's own page. A DLC already past on the
    day of arrival is refused, unless ``expired_on_arrival``: then the lot comes in and goes out
    at once as a loss (an expiry movement), never offered for sale."""
    if product.store_id != store.pk:
        raise ValidationError(_("Ce produit n'existe pas dans cette épicerie."))
    if kind not in (MovementKind.RECEPTION, MovementKind.DONATION):
        raise ValidationError(_("Un lot entre par une réception ou un don."))
    if quantity <= 0:
        raise ValidationError({"quantity": _("La quantité reçue doit être positive.")})
    check_entry_quantity(store=store, product=product, quantity=quantity)
    if dlc and ddm:
        raise ValidationError(_("Un lot a une DLC ou une DDM, pas les deux."))
    received_at = received_at or timezone.now()
    expired = dlc is not None and dlc < _local_date(store, received_at)
    if expired and not expired_on_arrival:
        raise ValidationError(
            {
                "date": _(
                    "DLC du %(dlc)s déjà dépassée : ce produit ne peut pas entrer en stock. "
                    "Enregistrez-le comme perdu à l'arrivée, ou corrigez la date."
                )
                % {"dlc": f"{dlc:%d/%m/%Y}"}
            }
        )
    doc_type, doc_id = document or ("", "")
    lot = Lot.objects.create(
        store=store,
        product=product,
        dlc=dlc,
        ddm=ddm,
        received_at=received_at,
        quantity=0,
        origin=origin,
        programme=programme.strip()[:20] if origin in PROGRAMME_ORIGINS else "",
        source_label=source_label.strip()[:120],
        source_document_type=doc_type,
        source_document_id=str(doc_id),
    )
    stock_movement_record(
        store=store,
        product=product,
        kind=kind,
        quantity=quantity,
        actor=actor,
        lot=lot,
        document=document or DocumentRef(LOT_DOCUMENT, str(lot.pk)),
        occurred_at=received_at,
        reason=reason,
    )
    lot.quantity = quantity
    if expired:
        # Counted in (the delivery note says it came) and out at once: the ledger shows both,
        # and FEFO never offers the lot.
        stock_movement_record(
            store=store,
            product=product,
            kind=MovementKind.EXPIRY,
            quantity=-quantity,
            actor=actor,
            lot=lot,
            document=DocumentRef(LOT_DOCUMENT, str(lot.pk)),
            occurred_at=received_at,
            reason=_("Perdu à l'arrivée : DLC déjà dépassée"),
        )
        lot.quantity = 0
    return lot


@transaction.atomic
def lot_dispose(*, lot: Lot, actor: Any, reason: str = "") -> StockMovement | None:
    """Throw away what remains of a lot (past its DLC, spoiled): one expiry movement.
    Returns None when nothing remained."""
    # Locked: a sale taking from this lot meanwhile would make us dispose of units it sold.
    locked = Lot.objects.select_for_update().select_related("product").get(pk=lot.pk)
    if locked.quantity <= 0:
        return None
    (movement,) = stock_movement_record(
        store=locked.store,
        product=locked.product,
        kind=MovementKind.EXPIRY,
        quantity=-locked.quantity,
        actor=actor,
        lot=locked,
        document=DocumentRef(LOT_DOCUMENT, str(locked.pk)),
        reason=reason or _("Lot retiré de la vente (date dépassée)"),
    )
    lot.quantity = 0
    return movement


@transaction.atomic
def loss_record(
    *,
    store: Store,
    product: Product,
    quantity: int,
    cause: str,
    actor: Any,
    detail: str = "",
    lot: Lot | None = None,
    stock_unknown: bool = False,
) -> list[StockMovement]:
    """Breakage, spoilage, theft: ``quantity`` (positive) leaves the stock.

    Never more than the stock (or the lot) holds, unless ``stock_unknown``: the person says
    the recorded stock is wrong (an inventory will tell), and the level may go below zero."""
    if quantity <= 0:
        raise ValidationError({"quantity": _("La quantité perdue doit être positive.")})
    check_entry_quantity(store=store, product=product, quantity=quantity)
    if not stock_unknown:
        # Locked: a sale between the read and the movement could take what we compared with.
        if lot is not None:
            held = Lot.objects.select_for_update().get(pk=lot.pk, store=store).quantity
        else:
            held = Product.objects.select_for_update().get(pk=product.pk, store=store).stock_qty
        if quantity > held:
            raise ValidationError(
                {
                    "quantity": _(
                        "Perte de %(quantity)s, mais le stock enregistré n'est que de "
                        "%(held)s. Corrigez la quantité, ou cochez « stock inconnu » si le "
                        "stock enregistré est faux."
                    )
                    % {
                        "quantity": format_quantity(quantity, product.unit),
                        "held": format_quantity(held, product.unit),
                    }
                }
            )
    label = LossCause(cause).label
    reason = f"{label} : {detail.strip()}" if detail.strip() else str(label)
    return stock_movement_record(
        store=store,
        product=product,
        kind=MovementKind.LOSS,
        quantity=-quantity,
        actor=actor,
        lot=lot,
        reason=reason,
    )


# --- Inventory counts -----------------------------------------------------------------------


def _move(count: InventoryCount, state: str) -> None:
    if not count.can_become(state):
        raise ValidationError(
            _("Un inventaire « %(current)s » ne peut pas passer à « %(next)s ».")
            % {"current": CountState(count.state).label, "next": CountState(state).label}
        )
    count.state = state


def _locked_count(count: InventoryCount) -> InventoryCount:
    # Locked: two clicks on "Valider" must not write the adjustments twice.
    return InventoryCount.objects.select_for_update().get(pk=count.pk, store_id=count.store_id)


@transaction.atomic
def inventory_count_create(
    *, store: Store, actor: Any, name: str, categories: Iterable[Category] = ()
) -> InventoryCount:
    """A draft count of the whole shop (no category) or of some rayons (with their
    sous-rayons)."""
    categories = list(categories)
    if any(c.store_id != store.pk for c in categories):
        raise ValidationError(_("Ce rayon n'existe pas dans cette épicerie."))
    name = " ".join(name.split()) or _("Inventaire du %(date)s") % {
        "date": timezone.localdate().strftime("%d/%m/%Y")
    }
    count = InventoryCount.objects.create(store=store, name=name[:120], created_by=actor)
    count.categories.set(categories)
    return count


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


@transaction.atomic
def inventory_count_start(*, count: InventoryCount, actor: Any) -> InventoryCount:
    """Open the count: one line per product in scope with the stock the ledger holds now.
    Sales go on during the count (see :func:`inventory_count_validate`)."""
    count = _locked_count(count)
    _move(count, CountState.IN_PROGRESS)
    count.started_at = timezone.now()
    InventoryCountLine.objects.bulk_create(
        InventoryCountLine(
            store_id=count.store_id, count=count, product_id=pk, expected_at_start=qty
        )
        for pk, qty in count_scope(count).values_list("pk", "stock_qty").iterator()
    )
    count.save(update_fields=["state", "started_at"])
    audit_record(store=count.store, actor=actor, action="stock.count_started", target=count)
    return count


@dataclass(frozen=True)
class ScanResult:
    line: InventoryCountLine
    added: int


def _count_line_for(count: InventoryCount, product: Product) -> InventoryCountLine:
    line = InventoryCountLine.objects.filter(count=count, product=product).first()
    if line is None:
        raise ValidationError(
            _("« %(product)s » n'est pas dans le périmètre de cet inventaire.")
            % {"product": product}
        )
    return line


def _check_counting(count: InventoryCount) -> None:
    if count.state != CountState.IN_PROGRESS:
        raise ValidationError(_("Cet inventaire n'est pas en cours : on ne peut plus compter."))


@transaction.atomic
def inventory_count_scan(
    *,
    count: InventoryCount,
    code: str,
    actor: Any,
    quantity: int | None = None,
    typed_quantity: Decimal | None = None,
) -> ScanResult:
    """A scanned code adds to its product's counted quantity: ``quantity`` if given (pieces,
    or grams), else ``typed_quantity`` as a person types it (pieces, or kilos), else the
    weight a scale label carries, else one piece. A weighed product needs its weight."""
    from cabas.gestion.catalog.selectors import product_find_by_barcode

    _check_counting(count)
    match = product_find_by_barcode(count.store, code)
    if match is None:
        raise ValidationError(_("Code inconnu : %(code)s") % {"code": code.strip()})
    product = match.product
    if quantity is None and typed_quantity is not None:
        try:
            quantity = stored_quantity(typed_quantity, product.unit)
        except ValueError as error:
            raise ValidationError(str(error)) from error
    if quantity is None:
        if match.weight_grams is not None:
            quantity = match.weight_grams
        elif product.is_weighed:
            raise ValidationError(
                _("« %(product)s » est vendu au poids : saisissez le poids en kg.")
                % {"product": product}
            )
        else:
            quantity = 1
    if quantity <= 0:
        raise ValidationError(_("La quantité comptée doit être positive."))
    check_entry_quantity(store=count.store, product=product, quantity=quantity)
    line = _count_line_for(count, product)
    # Two people scanning the same shelf at once: add in the database, never lose a scan.
    InventoryCountLine.objects.filter(pk=line.pk).update(
        counted=Coalesce(F("counted"), Value(0)) + quantity, counted_at=timezone.now()
    )
    line.refresh_from_db(fields=["counted", "counted_at"])
    line.product = product
    return ScanResult(line=line, added=quantity)


@transaction.atomic
def inventory_count_line_set(
    *, line: InventoryCountLine, counted: int | None, actor: Any
) -> InventoryCountLine:
    """Type the counted quantity of a line (None: not counted)."""
    _check_counting(line.count)
    if counted is not None and counted < 0:
        raise ValidationError(_("La quantité comptée ne peut pas être négative."))
    if counted is not None:
        check_entry_quantity(store=line.count.store, product=line.product, quantity=counted)
    line.counted = counted
    line.counted_at = timezone.now() if counted is not None else None
    line.save(update_fields=["counted", "counted_at"])
    return line


def count_lines_with_ledger(count: InventoryCount, *, until: datetime | None = None) -> QuerySet:
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


@transaction.atomic
def inventory_count_validate(
    *, count: InventoryCount, actor: Any, zero_uncounted: bool = False
) -> list[StockMovement]:
    """Close the count and write one adjustment movement per product whose count differs
    (document ``("stock.count", <id>)``).

    The rule, since sales go on during a count::

        adjustment = counted − (expected_at_start + movements between the start and the
                                line's count time)

    where ``expected_at_start`` is the sum of the movements recorded up to the start (read
    again from the ledger here, so a sale committed while the count was being opened is not
    missed), and "movements between" are those recorded after the start whose ``occurred_at``
    is no later than the line's ``counted_at``: a till ticket that happened before the shelf
    was counted but reached the server afterwards is included, a sale made after the shelf was
    counted is not. Lines not counted are left alone, or, with ``zero_uncounted``, counted as 0
    (the product was not found).
    """
    count = _locked_count(count)
    _move(count, CountState.VALIDATED)
    now = timezone.now()
    specs: list[MovementSpec] = []
    lines = list(count_lines_with_ledger(count, until=now))
    for line in lines:
        line.expected_at_start = line.ledger_start
        if line.counted is None:
            if not zero_uncounted:
                continue
            line.counted, line.counted_at = 0, now
        line.adjustment = line.counted - (line.ledger_start + line.ledger_during)
        if line.adjustment:
            specs.append(
                MovementSpec(
                    product_id=line.product_id,
                    quantity=line.adjustment,
                    kind=MovementKind.ADJUSTMENT,
                    reason=count.name,
                )
            )
    InventoryCountLine.objects.bulk_update(
        lines, ["expected_at_start", "counted", "counted_at", "adjustment"], batch_size=500
    )
    movements = stock_movements_bulk_record(
        store=count.store,
        specs=specs,
        occurred_at=now,
        document_type=COUNT_DOCUMENT,
        document_id=str(count.pk),
        actor=actor,
    )
    count.closed_at, count.closed_by = now, actor
    count.save(update_fields=["state", "closed_at", "closed_by"])
    audit_record(
        store=count.store,
        actor=actor,
        action="stock.count_validated",
        target=count,
        changes={"adjustments": [None, len(specs)]},
    )
    return movements


@transaction.atomic
def inventory_count_cancel(*, count: InventoryCount, actor: Any) -> InventoryCount:
    count = _locked_count(count)
    _move(count, CountState.CANCELLED)
    count.closed_at, count.closed_by = timezone.now(), actor
    count.save(update_fields=["state", "closed_at", "closed_by"])
    audit_record(store=count.store, actor=actor, action="stock.count_cancelled", target=count)
    return count


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


@transaction.atomic
def stock_levels_fix(
    *, store: Store, differences: Sequence[LevelDifference], actor: Any = None
) -> None:
    """Bring the levels back to their ledger, each with an audit event.

    The ledger is right by definition, so no movement is written. The correction is added
    (``level + (ledger − stored)``, as read together by the check) rather than set: a movement
    recorded since the check moved both the ledger and the level, and stays counted."""
    product_deltas = {d.pk: d.delta for d in differences if d.kind == "product"}
    lot_deltas = {d.pk: d.delta for d in differences if d.kind == "lot"}
    _apply_levels(store, product_deltas, lot_deltas)
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
