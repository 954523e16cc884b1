"""Inventory counts: drafted, opened, counted (scans, typed lines), validated or cancelled."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record
from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.stock.documents import COUNT_DOCUMENT
from cabas.gestion.stock.models import (
    CountState,
    InventoryCount,
    InventoryCountLine,
    InventoryCountLotLine,
    Lot,
    MovementKind,
    StockMovement,
)
from cabas.gestion.stock.selectors import (
    count_lines_with_ledger,
    count_lot_lines_with_ledger,
    count_scope,
)
from cabas.gestion.stock.services.ledger import (
    MovementSpec,
    check_entry_quantity,
    stock_movements_bulk_record,
)
from cabas.gestion.stores.models import Store
from cabas.rules.quantities import stored_quantity


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
    *, store: Store, actor: User | None, name: str, categories: Iterable[Category] = ()
) -> InventoryCount:
    """A draft count of the whole shop (no category) or of some rayons (with their
    sous-rayons)."""
    categories = list(categories)
    if any(c.store_id != store.pk for c in categories):
        raise ValidationError(_("Ce rayon n'existe pas dans cette épicerie."))
    name = " ".join(name.split()) or _("Inventaire du %(date)s") % {
        "date": store.today().strftime("%d/%m/%Y")
    }
    count = InventoryCount.objects.create(store=store, name=name[:120], created_by=actor)
    count.categories.set(categories)
    return count


@transaction.atomic
def inventory_count_start(*, count: InventoryCount, actor: User | None) -> InventoryCount:
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
    _lot_lines_create(count)
    count.save(update_fields=["state", "started_at"])
    audit_record(store=count.store, actor=actor, action="stock.count_started", target=count)
    return count


def _lot_lines_create(count: InventoryCount) -> None:
    """For each product holding stock in lots at the start: one row per lot, and one for the
    units outside any lot (what the product holds beyond its lots), to count it lot by lot."""
    lines = {
        product_id: (pk, expected)
        for pk, product_id, expected in count.lines.values_list(
            "pk", "product_id", "expected_at_start"
        )
    }
    held: dict[int, list[tuple[int, int]]] = {}
    for lot_id, product_id, quantity in (
        Lot.objects.filter(store_id=count.store_id, product_id__in=lines, quantity__gt=0)
        .order_by("id")
        .values_list("pk", "product_id", "quantity")
    ):
        held.setdefault(product_id, []).append((lot_id, quantity))
    rows = []
    for product_id, lots in held.items():
        line_id, expected = lines[product_id]
        rows += [
            InventoryCountLotLine(
                store_id=count.store_id, line_id=line_id, lot_id=lot_id, expected_at_start=qty
            )
            for lot_id, qty in lots
        ]
        rows.append(
            InventoryCountLotLine(
                store_id=count.store_id,
                line_id=line_id,
                lot_id=None,
                expected_at_start=expected - sum(qty for _lot, qty in lots),
            )
        )
    InventoryCountLotLine.objects.bulk_create(rows, batch_size=500)


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


def _check_not_by_lot(line: InventoryCountLine, product: Product) -> None:
    """A line counted lot by lot has its total from its lots: a scan or a typed total would
    say something else than the lots."""
    if line.lot_lines.filter(counted__isnull=False).exists():
        raise ValidationError(
            _(
                "« %(product)s » est compté par lot : corrigez la quantité du lot concerné "
                "(sous « par lot » dans le tableau)."
            )
            % {"product": product}
        )


@transaction.atomic
def inventory_count_scan(
    *,
    count: InventoryCount,
    code: str,
    actor: User | None,
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
    _check_not_by_lot(line, product)
    # Two people scanning the same shelf at once: add in the database, never lose a scan.
    InventoryCountLine.objects.filter(pk=line.pk).update(
        counted=Coalesce(F("counted"), Value(0)) + quantity, counted_at=timezone.now()
    )
    line.refresh_from_db(fields=["counted", "counted_at"])
    line.product = product
    return ScanResult(line=line, added=quantity)


@transaction.atomic
def inventory_count_line_set(
    *, line: InventoryCountLine, counted: int | None, actor: User | None
) -> InventoryCountLine:
    """Type the counted quantity of a line (None: not counted)."""
    _check_counting(line.count)
    _check_counted(line, counted)
    _check_not_by_lot(line, line.product)
    line.counted = counted
    line.counted_at = timezone.now() if counted is not None else None
    line.save(update_fields=["counted", "counted_at"])
    return line


def _check_counted(line: InventoryCountLine, counted: int | None) -> None:
    if counted is not None and counted < 0:
        raise ValidationError(_("La quantité comptée ne peut pas être négative."))
    if counted is not None:
        check_entry_quantity(store=line.count.store, product=line.product, quantity=counted)


@transaction.atomic
def inventory_count_lot_line_set(
    *, lot_line: InventoryCountLotLine, counted: int | None, actor: User | None
) -> InventoryCountLine:
    """Type what was found of one lot (None: not counted). The product's line then counts
    the sum of its lots (None when none is counted any more); returns that line."""
    line = InventoryCountLine.objects.select_for_update().get(pk=lot_line.line_id)
    _check_counting(line.count)
    _check_counted(line, counted)
    now = timezone.now()
    lot_line.counted = counted
    lot_line.counted_at = now if counted is not None else None
    lot_line.save(update_fields=["counted", "counted_at"])
    found = [qty for qty in line.lot_lines.values_list("counted", flat=True) if qty is not None]
    line.counted = sum(found) if found else None
    line.counted_at = now if found else None
    line.save(update_fields=["counted", "counted_at"])
    return line


@transaction.atomic
def inventory_count_validate(
    *, count: InventoryCount, actor: User | None, zero_uncounted: bool = False
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
    by_lot = _counted_by_lot(count, now)
    lot_rows: list[InventoryCountLotLine] = []
    for line in lines:
        line.expected_at_start = line.ledger_start
        if line.pk in by_lot:
            rows = by_lot[line.pk]
            specs += _lot_adjustments(count, line, rows, zero_uncounted=zero_uncounted, now=now)
            lot_rows += rows
            continue
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
    InventoryCountLotLine.objects.bulk_update(
        lot_rows, ["expected_at_start", "counted", "counted_at", "adjustment"], batch_size=500
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


def _counted_by_lot(count: InventoryCount, now: datetime) -> dict[int, list[InventoryCountLotLine]]:
    """The lot rows (with the ledger) of the lines counted lot by lot, by line."""
    rows = count_lot_lines_with_ledger(
        count, InventoryCountLotLine.objects.filter(line__count=count), until=now
    ).select_related("lot")
    grouped: dict[int, list[InventoryCountLotLine]] = {}
    for row in rows:
        grouped.setdefault(row.line_id, []).append(row)
    return {
        line_id: found
        for line_id, found in grouped.items()
        if any(row.counted is not None for row in found)
    }


def _lot_adjustments(
    count: InventoryCount,
    line: InventoryCountLine,
    rows: list[InventoryCountLotLine],
    *,
    zero_uncounted: bool,
    now: datetime,
) -> list[MovementSpec]:
    """The adjustments of a line counted lot by lot: each counted lot by its own difference
    (the same rule as a line's, on the lot's movements), the units outside any lot by theirs.
    A lot cannot go below zero (the till sold from it after it was counted): what it lacks is
    taken outside the lots, so that the product's level still ends right."""
    specs: list[MovementSpec] = []
    outside = 0
    for row in rows:
        row.expected_at_start = row.ledger_start  # type: ignore[attr-defined]
        if row.counted is None:
            if not zero_uncounted:
                row.adjustment = None
                continue
            row.counted, row.counted_at = 0, now
        row.adjustment = row.counted - (row.ledger_start + row.ledger_during)  # type: ignore[attr-defined]
        if row.lot is None:
            outside += row.adjustment
            continue
        taken = max(row.adjustment, -row.lot.quantity)
        outside += row.adjustment - taken
        if taken:
            specs.append(
                MovementSpec(
                    product_id=line.product_id,
                    quantity=taken,
                    kind=MovementKind.ADJUSTMENT,
                    lot_id=row.lot_id,
                    reason=count.name,
                )
            )
    if outside:
        specs.append(
            MovementSpec(
                product_id=line.product_id,
                quantity=outside,
                kind=MovementKind.ADJUSTMENT,
                reason=count.name,
                outside_lots=True,
            )
        )
    counted = [row.counted for row in rows if row.counted is not None]
    line.counted = sum(counted)
    line.counted_at = line.counted_at or now
    line.adjustment = sum(row.adjustment or 0 for row in rows)
    return specs


@transaction.atomic
def inventory_count_cancel(*, count: InventoryCount, actor: User | None) -> InventoryCount:
    count = _locked_count(count)
    _move(count, CountState.CANCELLED)
    count.closed_at, count.closed_by = timezone.now(), actor
    count.save(update_fields=["state", "closed_at", "closed_by"])
    audit_record(store=count.store, actor=actor, action="stock.count_cancelled", target=count)
    return count
