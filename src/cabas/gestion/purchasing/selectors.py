"""Reads of purchasing that span relations: lists, the order page, what is on order, the
reorder suggestions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import Count, F, Prefetch, QuerySet, Sum
from django.utils import timezone

from cabas.gestion.catalog.models import Product
from cabas.gestion.purchasing.mail import is_interrupted
from cabas.gestion.purchasing.models import (
    OPEN_STATES,
    Delivery,
    OutgoingEmail,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierKind,
    SupplierProduct,
)
from cabas.gestion.purchasing.reorder import DEFAULT_WEEKS, ReorderInput, reorder_proposal
from cabas.gestion.stores.models import Store


def suppliers_list(store: Store, *, kind: str = "", query: str = "") -> QuerySet[Supplier]:
    suppliers = Supplier.objects.filter(store=store).annotate(
        product_count=Count("products", distinct=True)
    )
    if kind == "donors":
        suppliers = suppliers.exclude(kind=SupplierKind.SUPPLIER)
    elif kind:
        suppliers = suppliers.filter(kind=kind)
    if query:
        suppliers = suppliers.filter(name__icontains=query.strip())
    return suppliers.order_by("-active", "name", "id")


def supplier_products(supplier: Supplier) -> QuerySet[SupplierProduct]:
    return (
        SupplierProduct.objects.filter(supplier=supplier, store_id=supplier.store_id)
        .select_related("product")
        .order_by("product__name", "id")
    )


def orders_list(
    store: Store, *, state: str = "", supplier_id: int | None = None
) -> QuerySet[PurchaseOrder]:
    orders = (
        PurchaseOrder.objects.filter(store=store)
        .select_related("supplier")
        .annotate(line_count=Count("lines"))
    )
    if state:
        orders = orders.filter(state=state)
    if supplier_id:
        orders = orders.filter(supplier_id=supplier_id)
    return orders.order_by("-created_at", "-id")


def order_detail(store: Store, order_id: int) -> PurchaseOrder:
    """The order with its supplier, lines (and their products) and e-mails; 404s by the caller."""
    return (
        PurchaseOrder.objects.select_related("supplier", "store", "created_by", "sent_by")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=PurchaseOrderLine.objects.select_related("product").order_by("id"),
            ),
            Prefetch("emails", queryset=OutgoingEmail.objects.defer("attachment")),
        )
        .get(store=store, pk=order_id)
    )


@dataclass(frozen=True)
class EmailStatus:
    """What the order page says about the e-mail of the bon de commande."""

    state: str  # sent / failed / pending / sending / interrupted / none
    email: OutgoingEmail | None
    when: datetime | None


def order_email_status(order: PurchaseOrder) -> EmailStatus:
    emails = sorted(order.emails.all(), key=lambda e: (e.created_at, e.pk), reverse=True)
    if not emails:
        return EmailStatus("none", None, None)
    email = emails[0]
    if is_interrupted(email):
        return EmailStatus("interrupted", email, email.claimed_at)
    when = {"sent": email.sent_at, "failed": email.next_attempt_at}.get(email.state)
    return EmailStatus(email.state, email, when)


def on_order_by_product(store: Store, product_ids: list[int] | None = None) -> dict[int, int]:
    """Units (or grams) still expected from sent and partly received orders, per product."""
    lines = PurchaseOrderLine.objects.filter(store=store, order__state__in=OPEN_STATES)
    if product_ids is not None:
        lines = lines.filter(product_id__in=product_ids)
    rows = lines.values("product_id").annotate(
        ordered=Sum(F("packs") * F("pack_size")),
        received=Sum("received_qty"),
        cancelled=Sum("cancelled_qty"),
    )
    result: dict[int, int] = {}
    for row in rows:
        remaining = (row["ordered"] or 0) - (row["received"] or 0) - (row["cancelled"] or 0)
        if remaining > 0:
            result[row["product_id"]] = remaining
    return result


def net_sales_by_product(store: Store, since: datetime) -> dict[int, int]:
    """Units (or grams) sold since ``since``, refunds deducted, per product, from the ledger."""
    from cabas.gestion.stock.models import MovementKind, StockMovement

    rows = (
        StockMovement.objects.filter(
            store=store,
            kind__in=[MovementKind.SALE, MovementKind.REFUND],
            occurred_at__gte=since,
        )
        .values("product_id")
        .annotate(total=Sum("quantity"))
    )
    return {row["product_id"]: -row["total"] for row in rows if row["total"]}


@dataclass(frozen=True)
class SuggestionLine:
    product: Product
    item: SupplierProduct
    stock: int
    on_order: int
    sold: int
    weekly_sales: Fraction
    need: int
    packs: int

    @property
    def total_cents(self) -> int:
        return self.packs * self.item.pack_price_cents


@dataclass
class SupplierSuggestion:
    supplier: Supplier
    lines: list[SuggestionLine]

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    @property
    def below_minimum(self) -> bool:
        return self.total_cents < self.supplier.minimum_order_cents


def reorder_suggestions(
    store: Store, *, weeks: int = DEFAULT_WEEKS, now: datetime | None = None
) -> list[SupplierSuggestion]:
    """One proposed order per supplier, from the reorder rule of :mod:`.reorder`.

    Each product below its reorder point goes to the active supplier that sells it cheapest per
    unit. A handful of queries whatever the number of products."""
    now = now or timezone.now()
    items = list(
        SupplierProduct.objects.filter(
            store=store,
            supplier__active=True,
            supplier__kind=SupplierKind.SUPPLIER,
            product__active=True,
        )
        .exclude(product__min_stock__isnull=True, product__max_stock__isnull=True)
        .select_related("product", "supplier")
    )
    best: dict[int, SupplierProduct] = {}
    for item in items:
        unit_cost = Fraction(item.pack_price_cents, item.pack_size)
        current = best.get(item.product_id)
        if current is None or unit_cost < Fraction(current.pack_price_cents, current.pack_size):
            best[item.product_id] = item
    product_ids = list(best)
    sold = net_sales_by_product(store, now - timedelta(weeks=weeks)) if product_ids else {}
    on_order = on_order_by_product(store, product_ids) if product_ids else {}
    per_supplier: dict[int, SupplierSuggestion] = {}
    grouped: dict[int, list[SuggestionLine]] = defaultdict(list)
    for product_id, item in best.items():
        product = item.product
        proposal = reorder_proposal(
            ReorderInput(
                stock=product.stock_qty,
                on_order=on_order.get(product_id, 0),
                sold_in_period=sold.get(product_id, 0),
                weeks=weeks,
                lead_time_days=item.supplier.lead_time_days,
                pack_size=item.pack_size,
                min_stock=product.min_stock,
                max_stock=product.max_stock,
            )
        )
        if proposal is None:
            continue
        grouped[item.supplier_id].append(
            SuggestionLine(
                product=product,
                item=item,
                stock=product.stock_qty,
                on_order=on_order.get(product_id, 0),
                sold=sold.get(product_id, 0),
                weekly_sales=proposal.weekly_sales,
                need=proposal.need,
                packs=proposal.packs,
            )
        )
        per_supplier.setdefault(item.supplier_id, SupplierSuggestion(item.supplier, []))
    for supplier_id, lines in grouped.items():
        per_supplier[supplier_id].lines = sorted(lines, key=lambda line: line.product.name)
    return sorted(per_supplier.values(), key=lambda s: s.supplier.name)


# --- traceability ----------------------------------------------------------------------------


def product_movements(store: Store, product: Product) -> QuerySet[Any]:
    """Every movement of ``product``, newest first, with its lot and author."""
    from cabas.gestion.stock.models import StockMovement

    return (
        StockMovement.objects.filter(store=store, product=product)
        .select_related("lot", "created_by")
        .order_by("-occurred_at", "-id")
    )


def product_lots(store: Store, product: Product) -> QuerySet[Any]:
    from cabas.gestion.stock.models import Lot

    return Lot.objects.filter(store=store, product=product).order_by("-received_at", "-id")[:50]


def attach_document_links(movements: Iterable[Any]) -> None:
    """Give each movement ``document_link`` (URL or None) and ``document_name`` from the stock
    document registry, so each row links to its order, delivery, ticket or count."""
    from cabas.gestion.stock.documents import document_label, document_url

    for movement in movements:
        movement.document_link = document_url(movement.document_type, movement.document_id)
        movement.document_name = document_label(movement.document_type)


@dataclass
class LotTrace:
    delivery: Delivery | None
    supplier: Supplier | None
    origin: str
    programme: str
    movements: list[Any]
    sales: list[Any]

    @property
    def sold(self) -> int:
        return -sum(int(movement.quantity) for movement in self.sales)


def lot_trace(store: Store, lot: Any) -> LotTrace:
    """Where a lot came from (its delivery, supplier or donor, programme) and what took it."""
    from cabas.gestion.purchasing.documents import DELIVERY_DOCUMENT
    from cabas.gestion.stock.models import MovementKind, StockMovement

    delivery = None
    if lot.source_document_type == DELIVERY_DOCUMENT and lot.source_document_id.isdigit():
        delivery = (
            Delivery.objects.filter(store=store, pk=int(lot.source_document_id))
            .select_related("supplier", "order")
            .first()
        )
    movements = list(
        StockMovement.objects.filter(store=store, lot=lot)
        .select_related("created_by")
        .order_by("-occurred_at", "-id")
    )
    return LotTrace(
        delivery=delivery,
        supplier=delivery.supplier if delivery else None,
        origin=lot.origin,
        programme=delivery.programme if delivery else "",
        movements=movements,
        sales=[m for m in movements if m.kind == MovementKind.SALE],
    )


def supplier_programmes(store: Store) -> set[str]:
    """The aid programme codes of the shop's programme donors."""
    return set(
        Supplier.objects.filter(store=store)
        .exclude(programme="")
        .values_list("programme", flat=True)
    )
