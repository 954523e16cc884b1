"""Ticket intake (`POST tickets`): each ticket stored in its own transaction, idempotent by its
id through the primary key, with its effects (stock movements, the household's spending) and
the anomalies the manager should review.

The path of a ticket is kept to a handful of statements, whatever its number of lines:

- per batch, reads only: one SELECT of the ids already stored (with their fingerprints), then
  the products, categories, tariff, households, cashiers and lots past their DLC the batch
  names (one query each, skipped when the batch names none);
- per created ticket, one transaction: INSERT of the ticket (the unique primary key decides:
  never check-then-insert), one INSERT of its lines, one of its payments, the stock batch
  (`stock_movements_bulk_record`: lots FOR UPDATE, one UPDATE of the levels, one INSERT of
  the movements, one UPDATE of the lots), one upsert of the spending and one SELECT of it,
  one INSERT of the anomalies if any; a refund adds two reads, once its INSERT is sent: its
  original ticket FOR UPDATE, then the lines of the original and of its earlier refunds;
- a ticket already stored costs nothing but its share of the first SELECT.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.utils import timezone

from cabas.gestion.beneficiaries import codes as card_codes
from cabas.gestion.beneficiaries.models import BeneficiarySettings, Household, MonthlySpending
from cabas.gestion.beneficiaries.selectors import quotas_for_store, till_status
from cabas.gestion.beneficiaries.services import spending_add, spendings_lock
from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.catalog.selectors import product_find_by_barcode, scale_layout_for
from cabas.gestion.core.db import (
    BatchedCursor,
    Savepoint,
    batched_cursor,
    flush_pending,
    insert_rows,
)
from cabas.gestion.pos.models import Device
from cabas.gestion.sales.line_checks import LineCheck, line_checks
from cabas.gestion.sales.models import (
    DOCUMENT_TYPE,
    Anomaly,
    QuarantinedPayload,
    Ticket,
    TicketLine,
    TicketPayment,
    ticket_fields_copy_onto_lines,
)
from cabas.gestion.sales.selectors import quota_usage
from cabas.gestion.stock.models import Lot, MovementKind
from cabas.gestion.stock.services import (
    MovementSpec,
    stock_levels_lock,
    stock_movements_bulk_apply,
)
from cabas.gestion.stores.models import Membership, Store
from cabas.gestion.stores.permissions import Perm, role_has
from cabas.protocol import (
    Ticket as WireTicket,
)
from cabas.protocol import (
    TicketInvalid,
    TicketResult,
    error_info,
    parse_ticket,
    raw_ticket_id,
    receipt_number,
    ticket_fingerprint,
)
from cabas.rules.budget import month_label, month_of
from cabas.rules.categories import path as category_path
from cabas.rules.money import format_euros
from cabas.rules.pricing import (
    FULL_RATE_BP,
    Tariff,
    beneficiary_unit_price_cents,
    format_rate,
    tariff_origin,
)
from cabas.rules.quotas import Quota as QuotaRule
from cabas.rules.quotas import QuotaLine, check_quotas
from cabas.rules.weights import movement_grams

logger = logging.getLogger(__name__)

Kind = Anomaly.Kind


@dataclass(slots=True)
class ProductRow:
    """What the intake reads of a product, as plain values (a model instance per product of
    a batch cost more than the query that reads them)."""

    pk: int
    name: str
    unit: str
    price_cents: int
    category_id: int | None
    origin: str
    programme: str
    rate_bp: int | None
    net_weight_g: int | None = None
    tariff_origin: str = ""

    def __post_init__(self) -> None:
        # As Product.tariff_origin: "purchase", "donation", "programme:FSE+".
        self.tariff_origin = tariff_origin(self.origin, self.programme)


CatalogProduct = ProductRow | Product
"""A product of the batch: a row read by id, or the model a barcode look-up found."""


@dataclass
class BatchContext:
    """What the tickets of one batch need to know about the shop, read once per batch."""

    store: Store
    zone: ZoneInfo
    tariff: Tariff
    products: dict[int, CatalogProduct] = field(default_factory=dict)
    barcodes: dict[str, CatalogProduct | None] = field(default_factory=dict)
    category_parents: dict[int, int | None] = field(default_factory=dict)
    households: dict[str, Household] = field(default_factory=dict)
    cashiers: set[int] = field(default_factory=set)
    expired_lots: dict[int, date] = field(default_factory=dict)
    quotas: list[QuotaRule] = field(default_factory=list)
    # The registered line checks (a recalled product…), each with what it read for the batch.
    line_checks: list[tuple[LineCheck, Any]] = field(default_factory=list)

    def category_path(self, category_id: int | None) -> list[int]:
        return category_path(category_id, self.category_parents)

    def household(self, code: str) -> Household | None:
        return self.households.get(card_codes.normalize(code))


def _shop_tariff(
    store: Store,
    categories: Iterable[tuple[int, int | None, int | None]],
    products: Iterable[CatalogProduct],
) -> Tariff:
    settings = BeneficiarySettings.objects.filter(store=store).first()
    return Tariff(
        shop_rate_bp=settings.shop_rate_bp if settings else BeneficiarySettings().shop_rate_bp,
        category_rates_bp={str(pk): rate for pk, _parent, rate in categories if rate is not None},
        product_rates_bp={str(p.pk): p.rate_bp for p in products if p.rate_bp is not None},
        origin_ceilings_bp=dict(settings.origin_ceilings_bp) if settings else {},
    )


def load_context(store: Store, tickets: Sequence[WireTicket]) -> BatchContext:
    """Read, in a few queries, what these tickets name in the shop (and only in this shop:
    an id or a code of another shop finds nothing here)."""
    product_ids = {line.product_id for t in tickets for line in t.lines if line.product_id}
    products: dict[int, CatalogProduct] = (
        {
            row[0]: ProductRow(*row)
            for row in Product.objects.filter(store=store, pk__in=product_ids)
            .order_by()
            .values_list(*ProductRow.__slots__[:9])
        }
        if product_ids
        else {}
    )
    barcodes: dict[str, CatalogProduct | None] = {}
    unnamed = {
        line.barcode
        for t in tickets
        for line in t.lines
        if line.product_id is None and line.barcode
    }
    if unnamed:
        layout = scale_layout_for(store)
        for code in unnamed:
            match = product_find_by_barcode(store, code, layout=layout)
            barcodes[code] = None if match is None else match.product
            if match is not None:
                products.setdefault(match.product.pk, match.product)
    categories = list(
        Category.objects.filter(store=store).order_by().values_list("id", "parent_id", "rate_bp")
    )
    context = BatchContext(
        store=store,
        zone=ZoneInfo(store.timezone),
        tariff=_shop_tariff(store, categories, products.values()),
        products=products,
        barcodes=barcodes,
        category_parents={pk: parent for pk, parent, _rate in categories},
    )
    codes = {card_codes.normalize(t.beneficiary_code) for t in tickets if t.beneficiary_code}
    if codes:
        context.households = {
            h.code: h
            for h in Household.objects.filter(
                store=store, code__in=codes, anonymised_at__isnull=True
            ).order_by()
        }
    cashier_ids = {t.cashier_id for t in tickets if t.cashier_id}
    if cashier_ids:
        context.cashiers = set(
            Membership.objects.filter(store=store, pk__in=cashier_ids)
            .order_by()
            .values_list("pk", flat=True)
        )
    if products:
        latest = max(t.created_at.astimezone(context.zone).date() for t in tickets)
        context.expired_lots = {
            lot_id: dlc
            for lot_id, dlc in Lot.objects.filter(
                store=store, product_id__in=list(products), quantity__gt=0, dlc__lt=latest
            )
            .order_by()
            .values_list("id", "dlc")
            if dlc is not None
        }
    if context.households:
        context.quotas = quotas_for_store(store)
    if products:
        sold_from = min(t.created_at for t in tickets)
        context.line_checks = [
            (check, check.load(store, list(products), sold_from)) for check in line_checks()
        ]
    return context


Row = dict[str, Any]
"""A row to insert, by attribute name (``store_id``, ``ticket_id``…), with Python values."""


@dataclass(slots=True)
class _Prepared:
    """A ticket mapped onto plain rows, before anything is written (no model instance: building
    and converting them cost more than the statements that store them)."""

    store: Store
    ticket: Row
    lines: list[Row]
    payments: list[Row]
    specs: list[MovementSpec]
    anomalies: list[Row]
    household: Household | None
    local_date: date
    expired_lots: dict[int, date]
    quotas: list[QuotaRule]
    quota_lines: list[QuotaLine]
    category_parents: dict[int, int | None]
    refund_claims: list[_RefundClaim] | None = None
    """A refund: its lines, whose effects are capped when it is stored."""


@dataclass(slots=True)
class _RefundClaim:
    """A line of a refund, as the till sent it (quantity and amount positive);
    what it puts back in stock and gives back to the budget is capped by :func:`_refund_capped`."""

    position: int
    key: tuple[str, Any]
    product_id: int | None
    quantity: int
    cents: int


def _anomaly(kind: str, message: str, line: int | None = None, **details: Any) -> Row:
    return {"kind": kind, "message": message[:300], "line_position": line, "details": details}


def _line_product(context: BatchContext, line: Any) -> CatalogProduct | None:
    if line.product_id is not None:
        return context.products.get(line.product_id)
    if line.barcode:
        return context.barcodes.get(line.barcode)
    return None


def prepare(
    context: BatchContext, device: Device, wire: WireTicket, fingerprint: str, received_at: datetime
) -> _Prepared:
    """Map one ticket onto its rows and find its anomalies (the single place where a ticket's
    fields become model fields)."""
    store = context.store
    local = wire.created_at.astimezone(context.zone)
    month = month_of(wire.created_at, store.timezone)
    anomalies: list[Row] = []
    household = None
    if wire.beneficiary_code:
        household = context.household(wire.beneficiary_code)
        if household is None:
            anomalies.append(
                _anomaly(
                    Kind.BENEFICIARY_UNKNOWN,
                    f"Carte « {wire.beneficiary_code[:20]} » inconnue dans l'épicerie.",
                    code=wire.beneficiary_code,
                )
            )
        else:
            status = till_status(household, local.date())
            if status == "suspended":
                anomalies.append(
                    _anomaly(
                        Kind.BENEFICIARY_SUSPENDED,
                        "Vente à un foyer dont les droits sont suspendus.",
                    )
                )
            elif status == "expired":
                anomalies.append(
                    _anomaly(
                        Kind.BENEFICIARY_EXPIRED,
                        "Vente à un foyer dont les droits ne sont pas ouverts.",
                    )
                )
    known_cashier = wire.cashier_id is not None and wire.cashier_id in context.cashiers
    if wire.cashier_id is not None and not known_cashier:
        anomalies.append(
            _anomaly(
                Kind.CASHIER_UNKNOWN,
                f"Caissier n° {wire.cashier_id} inconnu dans l'épicerie.",
                cashier_id=wire.cashier_id,
            )
        )
    ticket_id = wire.id
    lines: list[Row] = []
    specs: list[MovementSpec] = []
    # A refund's movements are made when it is stored, capped at what is left to refund of
    # the original, read then (it may be stored earlier in this very batch).
    refund_claims: list[_RefundClaim] | None = [] if wire.refund_of is not None else None
    quota_lines: list[QuotaLine] = []
    with_quotas = household is not None and bool(context.quotas)
    # A card the server does not know is flagged once; its lines are checked at the card
    # tariff the till applied, not at the full price.
    with_card = bool(wire.beneficiary_code)
    full_price = 0
    for position, line in enumerate(wire.lines, start=1):
        full_price += line.full_price_cents
        product = _line_product(context, line)
        if refund_claims is not None:
            refund_claims.append(
                _RefundClaim(
                    position,
                    _line_key(line.product_id, line.barcode, line.label),
                    product.pk if product is not None else None,
                    -line.quantity,
                    -line.total_cents,
                )
            )
        if product is None:
            if line.product_id is not None:
                anomalies.append(
                    _anomaly(
                        Kind.UNKNOWN_PRODUCT,
                        f"Ligne {position} : produit n° {line.product_id} inconnu dans l'épicerie "
                        f"(« {line.label[:60]} »).",
                        position,
                        product_id=line.product_id,
                    )
                )
            elif line.barcode:
                anomalies.append(
                    _anomaly(
                        Kind.UNKNOWN_BARCODE,
                        f"Ligne {position} : code-barres {line.barcode[:32]} inconnu "
                        f"(« {line.label[:60]} »).",
                        position,
                        barcode=line.barcode,
                    )
                )
        elif refund_claims is None:
            # The product's weight goes with the spec: the movement's grams need no query.
            specs.append(
                MovementSpec(
                    product_id=product.pk,
                    quantity=-line.quantity,
                    kind=MovementKind.SALE if line.quantity > 0 else MovementKind.REFUND,
                    unit_weight=(product.unit, product.net_weight_g),
                )
            )
        if line.authorized_by is not None:
            anomalies.append(_authorized_line_anomaly(store, line, position))
        if product is not None and line.quantity > 0:
            for check, loaded in context.line_checks:
                anomalies.extend(check.check(loaded, product.pk, wire.created_at, line, position))
        if product is not None:
            price = _price_anomaly(context, product, line, position, with_card, household)
            if price is not None:
                anomalies.append(price)
            if with_quotas and line.quantity > 0:
                quota_lines.append(
                    QuotaLine(
                        product_id=str(line.product_id),
                        category_path=[str(c) for c in context.category_path(product.category_id)],
                        quantity=line.quantity,
                        unit=line.unit,
                    )
                )
        lines.append(
            {
                "store_id": store.pk,
                "ticket_id": ticket_id,
                "position": position,
                "product_id": product.pk if product is not None else None,
                "product_ref": line.product_id,
                "barcode": line.barcode or "",
                "label": line.label,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price_cents": line.unit_price_cents,
                "full_price_cents": line.full_price_cents,
                "total_cents": line.total_cents,
                "grams": movement_grams(
                    line.quantity, line.unit, product.net_weight_g if product is not None else None
                ),
            }
        )
    ticket: Row = {
        "id": ticket_id,
        "store_id": store.pk,
        "device_id": device.pk,
        "created_at": wire.created_at,
        "received_at": received_at,
        "month": month,
        "cashier_id": wire.cashier_id if known_cashier else None,
        "cashier_ref": wire.cashier_id,
        "household_id": household.pk if household is not None else None,
        "beneficiary_code": wire.beneficiary_code or "",
        "cash_session_id": wire.cash_session_id,
        "refund_of": wire.refund_of,
        "total_cents": wire.total_cents,
        "full_price_cents": full_price,
        "change_cents": wire.change_cents,
        "line_count": len(wire.lines),
        "fingerprint": fingerprint,
    }
    ticket_fields_copy_onto_lines(ticket, lines)
    payments = [
        {
            "store_id": store.pk,
            "ticket_id": ticket_id,
            "method": p.method,
            "amount_cents": p.amount_cents,
            "tendered_cents": p.tendered_cents,
        }
        for p in wire.payments
    ]
    return _Prepared(
        store,
        ticket,
        lines,
        payments,
        specs,
        anomalies,
        household,
        local.date(),
        context.expired_lots,
        context.quotas,
        quota_lines,
        context.category_parents,
        refund_claims,
    )


def _authorized_line_anomaly(store: Store, line: Any, position: int) -> Row:
    """A line the till refused (a product past its DLC) and a manager allowed with their PIN:
    named for the review (a rare line, so the one read it costs does not matter)."""
    row = (
        Membership.objects.filter(store=store, pk=line.authorized_by)
        .values_list("user__first_name", "user__last_name", "user__username", "role")
        .first()
    )
    if row is None:
        who = f"n° {line.authorized_by} (inconnu dans l'épicerie)"
    else:
        who = f"{row[0]} {row[1]}".strip() or row[2]
        if not role_has(row[3], Perm.SALES_REVIEW):
            who += " (qui n'est pas responsable)"
    return _anomaly(
        Kind.DLC_PASSED,
        f"Ligne {position} : « {line.label[:60]} » vendu malgré sa DLC passée, autorisé à la "
        f"caisse par le responsable {who[:60]}.",
        position,
        authorized_by=line.authorized_by,
        product_id=line.product_id,
    )


def _line_key(product_ref: int | None, barcode: str | None, label: str) -> tuple[str, Any]:
    """What matches a refund line with its original line: the product the till named, else
    the barcode, else the label."""
    if product_ref is not None:
        return ("product", product_ref)
    if barcode:
        return ("barcode", barcode)
    return ("label", label)


def _price_anomaly(
    context: BatchContext,
    product: CatalogProduct,
    line: Any,
    position: int,
    with_card: bool,
    household: Household | None,
) -> Row | None:
    if line.unit != product.unit:
        return _anomaly(
            Kind.PRICE_MISMATCH,
            f"Ligne {position} : vendu {'au kilo' if line.unit == 'kg' else 'à la pièce'}, "
            f"alors que « {product.name} » est "
            f"{'au kilo' if product.unit == 'kg' else 'à la pièce'}.",
            position,
            sold_unit=line.unit,
            product_unit=product.unit,
        )
    decision = context.tariff.rate_for(
        product.pk,
        context.category_path(product.category_id),
        product.tariff_origin,
        household.rate_bp if household is not None else None,
        with_card=with_card,
    )
    expected = (
        product.price_cents
        if decision.rate_bp == FULL_RATE_BP
        else beneficiary_unit_price_cents(product.price_cents, decision.rate_bp)
    )
    if line.unit_price_cents == expected:
        return None
    return _anomaly(
        Kind.PRICE_MISMATCH,
        f"Ligne {position} : « {product.name} » vendu {format_euros(line.unit_price_cents)}, "
        f"les règles du jour donnent {format_euros(expected)} "
        f"({format_rate(decision.rate_bp)}).",
        position,
        sold_cents=line.unit_price_cents,
        expected_cents=expected,
        rate_bp=decision.rate_bp,
    )


def _store_ticket(prepared: _Prepared, cursor: Any) -> None:
    """Write one ticket and its effects on ``cursor``; the caller holds the transaction."""
    ticket = prepared.ticket
    store = prepared.store
    ticket_id = ticket["id"]
    # The primary key decides: a concurrent or earlier copy makes this raise IntegrityError.
    insert_rows(cursor, Ticket, [ticket])
    anomalies = prepared.anomalies
    spending = ticket["total_cents"]
    if prepared.refund_claims is not None:
        spending = _refund_capped(prepared, cursor)
    # Stock before the lines: on InnoDB a line's foreign key takes a shared lock on its product,
    # which the stock UPDATE would then have to upgrade, deadlocking two tills selling it.
    if prepared.specs:
        refund_of = ticket["refund_of"]
        movements = stock_movements_bulk_apply(
            store=store,
            specs=prepared.specs,
            occurred_at=ticket["created_at"],
            document_type=DOCUMENT_TYPE,
            document_id=str(ticket_id),
            refund_of_document_id=str(refund_of) if refund_of else None,
            cursor=cursor,
        )
        if prepared.expired_lots:
            for movement in movements:
                dlc = _expired_dlc(movement.lot_id, prepared)
                if dlc is not None and movement.quantity < 0:
                    anomalies.append(
                        _anomaly(
                            Kind.DLC_PASSED,
                            f"Vendu d'un lot dont la DLC ({dlc:%d/%m/%Y}) était passée.",
                            product_id=movement.product_id,
                            lot_id=movement.lot_id,
                            dlc=dlc.isoformat(),
                        )
                    )
    if prepared.quota_lines:
        # An ORM read on its own cursor: the statements held back go first, in their order.
        flush_pending(cursor)
        anomalies.extend(_quota_anomalies(prepared, prepared.category_parents))
    insert_rows(cursor, TicketLine, prepared.lines)
    insert_rows(cursor, TicketPayment, prepared.payments)
    household = prepared.household
    total = spending
    month = ticket["month"]
    if household is not None and total:
        spent = spending_add(
            store=store, household=household, month=month, amount_cents=total, cursor=cursor
        )
        if total > 0:
            if spent is None:
                spent = _month_spent(cursor, household.pk, month)
            budget = household.monthly_budget_cents
            if spent > budget:
                anomalies.append(
                    _anomaly(
                        Kind.BUDGET_EXCEEDED,
                        f"Budget du foyer dépassé : {format_euros(spent)} "
                        f"dépensés en {month_label(month)} pour {format_euros(budget)}.",
                        budget_cents=budget,
                        spent_cents=spent,
                        over_cents=spent - budget,
                    )
                )
    if anomalies:
        for anomaly in anomalies:
            anomaly["store_id"] = store.pk
            anomaly["ticket_id"] = ticket_id
        insert_rows(cursor, Anomaly, anomalies)


def _refund_capped(prepared: _Prepared, cursor: Any) -> int:
    """Cap a refund at what is left to refund of its original: add the refund's stock
    movements (what it puts back, per line naming a product; none for a line with nothing left)
    and its anomalies for the rest, and return what it gives back to the budget (≤ 0).

    Two statements: the original, locked, then the original's lines and those of its earlier
    refunds (the refunds already stored, in this batch or another, whatever their ids). A
    refund of a ticket this shop does not have is flagged and not capped."""
    refund_of = prepared.ticket["refund_of"]
    claims = prepared.refund_claims or []
    flush_pending(cursor)  # ORM reads: after the refund's own INSERT
    # Locks the original: two refunds of it stored at once (two tills, two batches) would
    # otherwise both read the same quantity left and both give it back.
    original = (
        Ticket.objects.select_for_update()
        .filter(pk=refund_of, store=prepared.store)
        .values_list("pk", flat=True)
        .first()
    )
    if original is None:
        prepared.anomalies.append(
            _anomaly(
                Kind.REFUND_ORIGINAL_UNKNOWN,
                "Remboursement d'un ticket que le serveur ne connaît pas (encore).",
                refund_of=str(refund_of),
            )
        )
        prepared.specs.extend(
            MovementSpec(product_id=c.product_id, quantity=c.quantity, kind=MovementKind.REFUND)
            for c in claims
            if c.product_id is not None
        )
        return int(prepared.ticket["total_cents"])
    left_qty: dict[tuple[str, Any], int] = {}
    left_cents: dict[tuple[str, Any], int] = {}
    for product_ref, barcode, label, quantity, cents in (
        TicketLine.objects.filter(
            models.Q(ticket_id=refund_of)
            | models.Q(ticket__in=Ticket.objects.filter(refund_of=refund_of).values("pk")),
            store=prepared.store,
        )
        .order_by()
        .values_list("product_ref", "barcode", "label", "quantity", "total_cents")
    ):
        key = _line_key(product_ref, barcode, label)
        # Sold lines count up, refunded lines down, uncapped: what is left, taken as zero when
        # below, is what capping each earlier refund in turn left (which is what they did).
        left_qty[key] = left_qty.get(key, 0) + quantity
        left_cents[key] = left_cents.get(key, 0) + cents
    given_back = 0
    for claim in claims:
        qty = max(0, min(claim.quantity, left_qty.get(claim.key, 0)))
        cents = max(0, min(claim.cents, left_cents.get(claim.key, 0)))
        left_qty[claim.key] = left_qty.get(claim.key, 0) - qty
        left_cents[claim.key] = left_cents.get(claim.key, 0) - cents
        given_back += cents
        if qty > 0 and claim.product_id is not None:
            prepared.specs.append(
                MovementSpec(product_id=claim.product_id, quantity=qty, kind=MovementKind.REFUND)
            )
        if qty < claim.quantity or cents < claim.cents:
            prepared.anomalies.append(
                _anomaly(
                    Kind.REFUND_EXCEEDS_SALE,
                    f"Remboursement supérieur à la vente : ligne {claim.position}, "
                    f"{claim.quantity} remboursé(s) pour {qty} restant à rembourser "
                    f"({format_euros(claim.cents)} pour {format_euros(cents)}) du ticket "
                    f"{receipt_number(refund_of)}.",
                    claim.position,
                    refund_of=str(refund_of),
                    refunded_qty=claim.quantity,
                    capped_qty=qty,
                    refunded_cents=claim.cents,
                    capped_cents=cents,
                )
            )
    return -given_back


_SPENT_SQL: dict[str, str] = {}


def _month_spent(cursor: Any, household_id: int, month: str) -> int:
    """The household's spending of ``month``, as the upsert just left it (a plain SELECT built
    once: compiling the ORM query cost more than running it)."""
    sql = _SPENT_SQL.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        sql = _SPENT_SQL[connection.vendor] = (
            f"SELECT {quote('spent_cents')} FROM {quote(MonthlySpending._meta.db_table)} "  # noqa: S608
            f"WHERE {quote('household_id')} = %s AND {quote('month')} = %s"
        )
    cursor.execute(sql, [household_id, month])
    row = cursor.fetchone()
    return row[0] if row is not None and row[0] is not None else 0


def _quota_anomalies(prepared: _Prepared, category_parents: dict[int, int | None]) -> list[Row]:
    """The quotas this ticket goes over, counting what the household bought earlier in the
    month (one grouped read, before this ticket's lines are written)."""
    ticket, household = prepared.ticket, prepared.household
    assert household is not None
    bought = quota_usage(
        prepared.store, ticket["month"], prepared.quotas, category_parents, [household.pk]
    ).get(household.pk, {})
    found = check_quotas(
        prepared.quotas, bought, prepared.quota_lines, household_size=max(1, household.size)
    )
    return [
        _anomaly(
            Kind.QUOTA_EXCEEDED,
            exceeded.message,
            quota=exceeded.quota.label,
            limit=exceeded.limit,
            already_bought=exceeded.already_bought,
            in_cart=exceeded.in_cart,
        )
        for exceeded in found
    ]


def _expired_dlc(lot_id: int | None, prepared: _Prepared) -> date | None:
    if lot_id is None:
        return None
    dlc = prepared.expired_lots.get(lot_id)
    return dlc if dlc is not None and dlc < prepared.local_date else None


# Deadlocks and serialisation failures roll the whole batch back (the whole ticket, when each
# commits on its own): it is simply tried again, after a random pause, so that the batches that
# met do not meet again in step.
MAX_ATTEMPTS = 5
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
_RETRYABLE_MYSQL_CODES = {1205, 1213}  # lock wait timeout, deadlock


class IntakeBusy(Exception):  # noqa: N818 - a state, not a bug
    """Nothing of the batch was stored: its lock conflicts outlasted the retries. The till is
    answered 429 ``rate_limited`` (it sends the batch again later), never a 5xx."""


class ConnectionLost(Exception):  # noqa: N818
    """The database connection broke while the batch was stored (the server went away, a
    fail-over): not any ticket's fault, so none is rejected for it and nothing of the batch is
    answered; the call fails (5xx) and the till sends the batch again."""


class _CommitRefused(Exception):  # noqa: N818
    """The batch's COMMIT failed on a deferred constraint (SQLite checks foreign keys then):
    nothing was stored, and the batch is stored again one ticket per transaction, where the
    ticket at fault fails alone."""


def _is_retryable(error: OperationalError) -> bool:
    cause = error.__cause__
    if getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    args = getattr(cause, "args", ()) or error.args
    return bool(args) and args[0] in _RETRYABLE_MYSQL_CODES


def _pause(attempt: int) -> None:
    """A random pause before another attempt ("full jitter", doubling up to 160 ms)."""
    time.sleep(random.uniform(0, 0.01 * 2 ** min(attempt, 4)))  # noqa: S311 - jitter


def _store_with_retries(make: Callable[[], _Prepared]) -> None:
    """One ticket in its own transaction (``commit_each``), tried again on a deadlock."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        prepared = make()  # fresh rows each time: a rolled-back attempt leaves none behind
        try:
            with transaction.atomic(), batched_cursor() as cursor:
                _store_ticket(prepared, cursor)
            return
        except OperationalError as error:
            if attempt == MAX_ATTEMPTS or not _is_retryable(error) or _in_outer_transaction():
                raise
            logger.info("ticket %s: retrying after %s", prepared.ticket["id"], error)
            _pause(attempt)


def _store_in_savepoint(prepared: _Prepared, cursor: Any) -> None:
    """One ticket of a batch stored in one transaction, inside its own savepoint: whatever
    fails in it rolls back to the savepoint, and the batch goes on without it; a deadlock or
    a serialisation failure is raised as it is, since the whole batch is then tried again."""
    savepoint = Savepoint(cursor, "cabas_ticket")
    try:
        _store_ticket(prepared, cursor)
        savepoint.release()
        if isinstance(cursor, BatchedCursor) and cursor.pending > 1:
            # Its last statements (the anomalies) are sent now, so that an error in them is
            # this ticket's; a lone RELEASE waits for the next ticket's first statements.
            cursor.flush()
    except OperationalError as error:
        if not _is_retryable(error):
            _rollback(savepoint)
        raise
    except BaseException:
        _rollback(savepoint)
        raise


def _rollback(savepoint: Savepoint) -> None:
    """Back to the ticket's savepoint; if even that fails, the connection is gone."""
    try:
        savepoint.rollback()
    except Exception as error:
        raise ConnectionLost(str(error)) from error


def _connection_lost() -> bool:
    """Whether Django closed the connection in the transaction that just failed (its
    rollback failed too: the server went away)."""
    return connection.connection is None or connection.closed_in_transaction


def _in_outer_transaction() -> bool:
    return not transaction.get_autocommit()


@dataclass(slots=True)
class _Parsed:
    index: int
    wire: WireTicket
    fingerprint: str


def ticket_batch_ingest(
    *, device: Device, raw_tickets: Sequence[Any], commit_each: bool = False
) -> list[TicketResult]:
    """Store a batch of raw tickets of one till; one result per ticket, in the batch's order.

    Each ticket is validated alone and stored in its own savepoint of one durable transaction
    per batch (one commit for all), so one bad ticket never blocks the others: what fails in
    it (invalid, an id conflict, any database error of its own) is rolled back to its
    savepoint, rejected and kept (bounded) in the quarantine. The results are returned after
    the commit, so a till acknowledges only durable tickets. The rows the batch will update
    (stock levels, lots, monthly spendings) are locked first, in one global order, so that
    concurrent batches wait for each other instead of deadlocking; a deadlock that still
    happens tries the batch again, and past :data:`MAX_ATTEMPTS` raises :class:`IntakeBusy`.
    ``commit_each`` commits each ticket on its own instead (the intake before batches, kept
    for the benchmark and as the fallback when a batch's COMMIT is refused).
    """
    results: list[TicketResult | None] = [None] * len(raw_tickets)
    quarantine: list[QuarantinedPayload] = []
    parsed = _parse_all(device, raw_tickets, results, quarantine)
    if parsed:
        outer = _in_outer_transaction()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                stored, kept = _store_batch(device, raw_tickets, parsed, commit_each=commit_each)
            except OperationalError as error:
                if outer or not _is_retryable(error):
                    raise
                if attempt == MAX_ATTEMPTS:
                    raise IntakeBusy(f"{len(parsed)} tickets: {error}") from error
                logger.info("batch of %d tickets: retrying after %s", len(parsed), error)
                _pause(attempt)
                continue
            except _CommitRefused as refused:
                logger.warning("batch of %d tickets: %s; one by one", len(parsed), refused)
                commit_each = True
                continue
            break
        else:  # pragma: no cover - a refused COMMIT on the last attempt
            raise IntakeBusy(f"{len(parsed)} tickets: no attempt went through")
        for index, result in stored.items():
            results[index] = result
        quarantine.extend(kept)
    if quarantine:
        _keep(quarantine)
    return [result for result in results if result is not None]


def _parse_all(
    device: Device,
    raw_tickets: Sequence[Any],
    results: list[TicketResult | None],
    quarantine: list[QuarantinedPayload],
) -> list[_Parsed]:
    """Validate each raw ticket: those that fail get their result (and quarantine row) now."""
    parsed: list[_Parsed] = []
    for index, raw in enumerate(raw_tickets):
        try:
            wire = parse_ticket(raw)
        except TicketInvalid as invalid:
            info = invalid.error_info()
            ident = raw_ticket_id(raw)
            results[index] = TicketResult(id=ident, status="rejected", error=info)
            quarantine.append(
                _quarantined(device, raw, ident, info.code, info.message, info.details)
            )
            continue
        except Exception as error:  # noqa: BLE001 - a bug in the checks: this ticket alone
            results[index] = _failed(device, raw, raw_ticket_id(raw), error, quarantine)
            continue
        parsed.append(_Parsed(index, wire, ticket_fingerprint(wire)))
    return parsed


def _store_batch(
    device: Device, raw_tickets: Sequence[Any], parsed: list[_Parsed], *, commit_each: bool
) -> tuple[dict[int, TicketResult], list[QuarantinedPayload]]:
    """One attempt at storing the parsed tickets: their results by index, and the quarantine
    rows of those refused (written by the caller, after the commit)."""
    store = device.store
    results: dict[int, TicketResult] = {}
    kept: list[QuarantinedPayload] = []
    # A read, safe to do first: the primary key still decides for the tickets not seen here.
    stored = {
        pk: (print_, store_id)
        for pk, print_, store_id in Ticket.objects.filter(pk__in=[p.wire.id for p in parsed])
        .order_by()
        .values_list("pk", "fingerprint", "store_id")
    }
    fresh = [p for p in parsed if p.wire.id not in stored]
    context = _batch_context(store, [p.wire for p in fresh]) if fresh else None
    received_at = timezone.now()

    def make(entry: _Parsed) -> _Prepared:
        # The batch's context, or this ticket's own when reading the batch's failed.
        own = context if context is not None else load_context(store, [entry.wire])
        return prepare(own, device, entry.wire, entry.fingerprint, received_at)

    # Mapped onto rows before the transaction begins (CPU only: the locks are held shorter),
    # the first copy of each id only (a second copy is decided once the first is stored).
    prepared: dict[int, _Prepared] = {}
    if not commit_each:
        seen: set[UUID] = set()
        for entry in fresh:
            if entry.wire.id in seen:
                continue
            seen.add(entry.wire.id)
            try:
                prepared[entry.index] = make(entry)
            except Exception as error:  # noqa: BLE001 - one ticket never fails its batch
                ident = str(entry.wire.id)
                results[entry.index] = _failed(device, raw_tickets[entry.index], ident, error, kept)

    def store_all(cursor: Any) -> None:
        for entry in parsed:
            wire, print_, index = entry.wire, entry.fingerprint, entry.index
            if index in results:
                continue
            ident = str(wire.id)
            known = stored.get(wire.id)
            if known is None:
                try:
                    if commit_each:
                        _store_with_retries(lambda e=entry: make(e))  # type: ignore[misc]
                    else:
                        # A second copy of an id whose first copy failed is mapped now.
                        item = prepared.get(index) or make(entry)
                        _store_in_savepoint(item, cursor)
                except ConnectionLost:
                    raise
                except IntegrityError as error:
                    if _connection_lost():
                        raise ConnectionLost(str(error)) from error
                    known = (
                        Ticket.objects.filter(pk=wire.id)
                        .values_list("fingerprint", "store_id")
                        .first()
                    )
                    if known is None:  # not our primary key: a real error, this ticket's alone
                        results[index] = _failed(device, raw_tickets[index], ident, error, kept)
                        continue
                except OperationalError as error:
                    if not commit_each and _is_retryable(error):
                        raise  # the whole batch again
                    if _connection_lost():
                        raise ConnectionLost(str(error)) from error
                    results[index] = _failed(device, raw_tickets[index], ident, error, kept)
                    continue
                except Exception as error:
                    if _connection_lost():
                        raise ConnectionLost(str(error)) from error
                    results[index] = _failed(device, raw_tickets[index], ident, error, kept)
                    continue
                else:
                    results[index] = TicketResult(id=ident, status="created")
                    stored[wire.id] = (print_, store.pk)
                    continue
            # Same content in the same shop only: another shop's ticket id is a conflict.
            if known == (print_, store.pk):
                results[index] = TicketResult(id=ident, status="duplicate")
            else:
                info = error_info("id_conflict")
                results[index] = TicketResult(id=ident, status="rejected", error=info)
                kept.append(
                    _quarantined(device, raw_tickets[index], ident, info.code, info.message, None)
                )

    if commit_each or not prepared:
        store_all(None)
        return results, kept
    committing = False
    # Durable (the answer follows a real commit) unless a caller, a test or a script, holds
    # its own transaction around the intake.
    outer = _in_outer_transaction()
    try:
        with transaction.atomic(durable=not outer), batched_cursor() as cursor:
            _lock_up_front(store, prepared.values(), cursor)
            store_all(cursor)
            committing = True
    except IntegrityError as error:
        if committing:
            raise _CommitRefused(str(error)) from error
        raise
    if not outer and _connection_lost():
        # Django skips the COMMIT of a transaction whose connection it closed meanwhile.
        raise ConnectionLost("the connection closed before the batch's commit")
    return results, kept


def _lock_up_front(store: Store, prepared: Iterable[_Prepared], cursor: Any) -> None:
    """Lock the rows the batch will update, in one global order (products, lots, spendings):
    two batches naming the same products or households in opposite orders then wait for each
    other's commit instead of deadlocking. On PostgreSQL, the foreign keys are checked at each
    statement rather than at COMMIT, so that a ticket at fault fails in its own savepoint."""
    products: set[int] = set()
    spendings: set[tuple[int, str]] = set()
    for item in prepared:
        products.update(spec.product_id for spec in item.specs)
        if item.refund_claims:
            products.update(c.product_id for c in item.refund_claims if c.product_id is not None)
        if item.household is not None and item.ticket["total_cents"]:
            spendings.add((item.household.pk, item.ticket["month"]))
    if connection.vendor == "postgresql":
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    stock_levels_lock(store=store, product_ids=products, cursor=cursor)
    spendings_lock(store=store, keys=spendings, cursor=cursor)
    # Sent on their own: an error here is the batch's, not its first ticket's.
    flush_pending(cursor)


def _keep(quarantine: list[QuarantinedPayload]) -> None:
    """Store the batch's refused tickets in one statement; should that fail (a value the
    database still refuses), one by one, logging those it cannot keep: their results are
    answered all the same, and the till keeps them in its Rejetes/ folder. Then the per-till
    quota (the oldest rows past it are erased)."""
    from cabas.gestion.sales.services import quarantine_trim

    try:
        with transaction.atomic():
            QuarantinedPayload.objects.bulk_create(quarantine)
    except Exception:
        logger.exception("the quarantine of %d tickets failed: one by one", len(quarantine))
        for row in quarantine:
            row.pk = None
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except Exception:
                logger.exception("ticket %s could not be kept in the quarantine", row.object_id)
    try:
        quarantine_trim(device_ids=[row.device_id for row in quarantine])
    except Exception:
        logger.exception("the quarantine quota could not be applied")


def _batch_context(store: Store, tickets: Sequence[WireTicket]) -> BatchContext | None:
    """The batch's context, or None when reading it fails unexpectedly (logged): each ticket
    then reads its own, so that the one that makes the read fail is rejected alone."""
    try:
        return load_context(store, tickets)
    except Exception:
        logger.exception("reading the context of a batch of %d tickets failed", len(tickets))
        return None


FAILED_MESSAGE = (
    "Le serveur n'a pas pu enregistrer ce ticket (erreur interne) : il est gardé en "
    "quarantaine pour le responsable."
)


def _failed(
    device: Device,
    raw: Any,
    ident: str | None,
    error: Exception,
    quarantine: list[QuarantinedPayload],
) -> TicketResult:
    """A ticket whose storing failed unexpectedly (a bug, or a database refusing a value):
    rolled back alone, logged with its traceback for the operators, rejected and quarantined,
    and the rest of the batch goes on."""
    logger.exception("ticket %s of device %s could not be stored", ident, device.pk, exc_info=error)
    info = error_info("server_error", FAILED_MESSAGE)
    quarantine.append(
        _quarantined(device, raw, ident, info.code, info.message, {"error": type(error).__name__})
    )
    return TicketResult(id=ident, status="rejected", error=info)


def _quarantined(
    device: Device, raw: Any, ident: str | None, code: str, message: str, details: Any
) -> QuarantinedPayload:
    from cabas.gestion.sales.services import quarantine_row

    return quarantine_row(
        device=device,
        kind=QuarantinedPayload.Kind.TICKET,
        raw=raw,
        reason=code,
        message=message,
        details=details,
        object_id=ident,
    )
