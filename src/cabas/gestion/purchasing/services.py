"""Writes of purchasing: suppliers and their products, purchase orders and their life cycle.

Receptions and donations are in :mod:`cabas.gestion.purchasing.receiving`; the e-mail outbox in
:mod:`cabas.gestion.purchasing.mail`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record, diff_fields, snapshot_fields
from cabas.gestion.catalog.models import Product
from cabas.gestion.purchasing.models import (
    ORDER_TRANSITIONS,
    OrderState,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierKind,
    SupplierProduct,
)
from cabas.gestion.stores.models import Store

SUPPLIER_FIELDS = (
    "name",
    "kind",
    "programme",
    "contact_name",
    "email",
    "phone",
    "address",
    "delivery_days",
    "lead_time_days",
    "minimum_order_cents",
    "notes",
    "active",
)


# --- suppliers ------------------------------------------------------------------------------


def _clean_supplier(supplier: Supplier) -> None:
    supplier.name = supplier.name.strip()
    supplier.programme = supplier.programme.strip()
    if not supplier.name:
        raise ValidationError({"name": _("Le nom est obligatoire.")})
    if supplier.kind == SupplierKind.PROGRAMME and not supplier.programme:
        raise ValidationError(
            {"programme": _("Indiquez le code du programme d'aide (par exemple FSE+).")}
        )
    if supplier.kind != SupplierKind.PROGRAMME:
        supplier.programme = ""
    days = sorted({int(day) for day in supplier.delivery_days or []})
    if any(day < 0 or day > 6 for day in days):
        raise ValidationError({"delivery_days": _("Jour de livraison inconnu.")})
    supplier.delivery_days = days
    duplicate = Supplier.objects.filter(store_id=supplier.store_id, name__iexact=supplier.name)
    if supplier.pk:
        duplicate = duplicate.exclude(pk=supplier.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("Un fournisseur porte déjà ce nom.")})


@transaction.atomic
def supplier_create(*, store: Store, actor: User | None, data: Mapping[str, Any]) -> Supplier:
    supplier = Supplier(store=store, **{k: v for k, v in data.items() if k in SUPPLIER_FIELDS})
    _clean_supplier(supplier)
    supplier.save()
    audit_record(store=store, actor=actor, action="purchasing.supplier_create", target=supplier)
    return supplier


@transaction.atomic
def supplier_update(*, supplier: Supplier, actor: User | None, data: Mapping[str, Any]) -> Supplier:
    before = snapshot_fields(supplier, SUPPLIER_FIELDS)
    for name, value in data.items():
        if name in SUPPLIER_FIELDS:
            setattr(supplier, name, value)
    _clean_supplier(supplier)
    changes = diff_fields(supplier, before, SUPPLIER_FIELDS)
    if changes:
        supplier.save(update_fields=[*changes, "updated_at"])
        audit_record(
            store=supplier.store,
            actor=actor,
            action="purchasing.supplier_update",
            target=supplier,
            changes=changes,
        )
    return supplier


@transaction.atomic
def supplier_product_set(
    *,
    supplier: Supplier,
    product: Product,
    actor: User | None,
    reference: str = "",
    pack_size: int = 1,
    pack_price_cents: int = 0,
) -> SupplierProduct:
    """Say how this supplier sells this product (created, or updated when already listed)."""
    if product.store_id != supplier.store_id:
        raise ValidationError(_("Ce produit n'existe pas dans cette épicerie."))
    if pack_size < 1:
        raise ValidationError({"pack_size": _("Le colisage doit être d'au moins 1.")})
    if pack_price_cents < 0:
        raise ValidationError({"pack_price_cents": _("Le prix ne peut pas être négatif.")})
    item, created = SupplierProduct.objects.get_or_create(
        store_id=supplier.store_id,
        supplier=supplier,
        product=product,
        defaults={
            "reference": reference.strip(),
            "pack_size": pack_size,
            "pack_price_cents": pack_price_cents,
        },
    )
    if not created:
        before = snapshot_fields(item, ("reference", "pack_size", "pack_price_cents"))
        item.reference, item.pack_size = reference.strip(), pack_size
        item.pack_price_cents = pack_price_cents
        changes = diff_fields(item, before, ("reference", "pack_size", "pack_price_cents"))
        if changes:
            item.save(update_fields=[*changes, "updated_at"])
            if "pack_price_cents" in changes:
                audit_record(
                    store=supplier.store,
                    actor=actor,
                    action="purchasing.supplier_price",
                    target=item,
                    changes=changes,
                )
    return item


@transaction.atomic
def supplier_product_remove(*, item: SupplierProduct, actor: User | None) -> None:
    item.delete()


# --- purchase orders: the life cycle ----------------------------------------------------------


def _locked(order: PurchaseOrder) -> PurchaseOrder:
    # Lock the order row: two people acting on one order (send and cancel, two receptions)
    # are served one after the other, each seeing the other's state.
    return PurchaseOrder.objects.select_for_update().select_related("supplier").get(pk=order.pk)


def purchase_order_transition(
    *, order: PurchaseOrder, to: str, actor: User | None
) -> PurchaseOrder:
    """Move ``order`` (locked by the caller) to state ``to`` if ORDER_TRANSITIONS allows it.

    The only place that writes ``PurchaseOrder.state``."""
    if to not in ORDER_TRANSITIONS[order.state]:
        raise ValidationError(
            _("Une commande %(from)s ne peut pas devenir %(to)s.")
            % {"from": OrderState(order.state).label, "to": OrderState(to).label}
        )
    now = timezone.now()
    order.state = to
    fields = ["state", "updated_at"]
    if to == OrderState.SENT:
        order.sent_at, order.sent_by = now, actor if _is_user(actor) else None
        fields += ["sent_at", "sent_by"]
    elif to == OrderState.RECEIVED:
        order.closed_at = now
        fields.append("closed_at")
    elif to == OrderState.CANCELLED:
        order.cancelled_at = now
        fields.append("cancelled_at")
    order.save(update_fields=fields)
    return order


def _is_user(actor: User | None) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _next_number(store: Store) -> int:
    # Lock the shop row: two orders created at the same moment do not take the same number.
    Store.objects.select_for_update().filter(pk=store.pk).first()
    last = PurchaseOrder.objects.filter(store=store).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def _recompute_total(order: PurchaseOrder) -> None:
    order.total_cents = sum(line.total_cents for line in order.lines.all())
    order.save(update_fields=["total_cents", "updated_at"])


@dataclass(frozen=True)
class LineRequest:
    product: Product
    packs: int


def _check_expected_on(store: Store, expected_on: date | None, ordered_at: datetime) -> None:
    """A delivery is wished for on or after the day the order was made."""
    if expected_on is None:
        return
    ordered_on = timezone.localtime(ordered_at, zoneinfo.ZoneInfo(store.timezone)).date()
    if expected_on < ordered_on:
        raise ValidationError(
            {
                "expected_on": _(
                    "La livraison ne peut pas être souhaitée avant la commande (du %(day)s)."
                )
                % {"day": f"{ordered_on:%d/%m/%Y}"}
            }
        )


@transaction.atomic
def purchase_order_create(
    *,
    store: Store,
    supplier: Supplier,
    actor: User | None,
    lines: Iterable[LineRequest] = (),
    expected_on: date | None = None,
    note: str = "",
    from_suggestion: bool = False,
) -> PurchaseOrder:
    """A draft order to ``supplier``; lines use the supplier's packs and prices."""
    if supplier.store_id != store.pk:
        raise ValidationError(_("Ce fournisseur n'existe pas dans cette épicerie."))
    if supplier.kind != SupplierKind.SUPPLIER:
        raise ValidationError(
            _("On ne passe pas commande à un donateur : enregistrez ses dons à leur arrivée.")
        )
    if not supplier.active:
        raise ValidationError(_("Ce fournisseur est archivé."))
    _check_expected_on(store, expected_on, timezone.now())
    order = PurchaseOrder.objects.create(
        store=store,
        number=_next_number(store),
        supplier=supplier,
        expected_on=expected_on,
        note=note.strip(),
        created_by=actor if _is_user(actor) else None,
        from_suggestion=from_suggestion,
    )
    for request in lines:
        _line_set(order, request.product, request.packs)
    _recompute_total(order)
    return order


def _line_set(order: PurchaseOrder, product: Product, packs: int) -> PurchaseOrderLine | None:
    if product.store_id != order.store_id:
        raise ValidationError(_("Ce produit n'existe pas dans cette épicerie."))
    if packs < 0:
        raise ValidationError({"packs": _("Le nombre de colis ne peut pas être négatif.")})
    line = PurchaseOrderLine.objects.filter(order=order, product=product).first()
    if packs == 0:
        if line is not None:
            line.delete()
        return None
    if line is not None:
        line.packs = packs
        line.save(update_fields=["packs"])
        return line
    item = SupplierProduct.objects.filter(supplier_id=order.supplier_id, product=product).first()
    if item is None:
        raise ValidationError(
            _("%(supplier)s ne vend pas « %(product)s » : ajoutez-le d'abord à ses produits.")
            % {"supplier": order.supplier.name, "product": product.name}
        )
    return PurchaseOrderLine.objects.create(
        store_id=order.store_id,
        order=order,
        product=product,
        reference=item.reference,
        packs=packs,
        pack_size=item.pack_size,
        pack_price_cents=item.pack_price_cents,
    )


@transaction.atomic
def purchase_order_line_set(
    *, order: PurchaseOrder, product: Product, packs: int, actor: User | None
) -> PurchaseOrder:
    """Set the packs of ``product`` on a draft order (0 removes the line)."""
    order = _locked(order)
    if not order.is_editable:
        raise ValidationError(_("Seule une commande en brouillon peut être modifiée."))
    _line_set(order, product, packs)
    _recompute_total(order)
    return order


@transaction.atomic
def purchase_order_update(
    *, order: PurchaseOrder, actor: User | None, expected_on: date | None, note: str
) -> PurchaseOrder:
    order = _locked(order)
    if not order.is_editable:
        raise ValidationError(_("Seule une commande en brouillon peut être modifiée."))
    _check_expected_on(order.store, expected_on, order.created_at)
    order.expected_on, order.note = expected_on, note.strip()
    order.save(update_fields=["expected_on", "note", "updated_at"])
    return order


@transaction.atomic
def purchase_order_send(*, order: PurchaseOrder, actor: User | None) -> PurchaseOrder:
    """Send a draft order: it becomes "envoyée" and its bon de commande is queued for e-mail
    in the same transaction; the e-mail leaves after commit (see :mod:`.mail`)."""
    from cabas.gestion.purchasing.mail import purchase_order_email_queue

    order = _locked(order)
    if order.state == OrderState.DRAFT and not order.lines.exists():
        raise ValidationError(_("Ajoutez au moins une ligne avant d'envoyer la commande."))
    purchase_order_transition(order=order, to=OrderState.SENT, actor=actor)
    order.send_count += 1
    order.save(update_fields=["send_count"])
    if order.supplier.email:
        purchase_order_email_queue(order=order)
    audit_record(store=order.store, actor=actor, action="purchasing.order_send", target=order)
    return order


@transaction.atomic
def purchase_order_resend(*, order: PurchaseOrder, actor: User | None) -> PurchaseOrder:
    """E-mail the bon de commande again (the supplier lost it): a new e-mail, a new key."""
    from cabas.gestion.purchasing.mail import purchase_order_email_queue

    order = _locked(order)
    if order.state not in (OrderState.SENT, OrderState.PARTLY_RECEIVED):
        raise ValidationError(_("Seule une commande envoyée peut être renvoyée."))
    if not order.supplier.email:
        raise ValidationError(_("Ce fournisseur n'a pas d'adresse e-mail."))
    order.send_count += 1
    order.save(update_fields=["send_count", "updated_at"])
    purchase_order_email_queue(order=order)
    return order


@transaction.atomic
def purchase_order_cancel(
    *, order: PurchaseOrder, actor: User | None, reason: str = ""
) -> PurchaseOrder:
    order = _locked(order)
    purchase_order_transition(order=order, to=OrderState.CANCELLED, actor=actor)
    audit_record(
        store=order.store,
        actor=actor,
        action="purchasing.order_cancel",
        target=order,
        reason=reason,
    )
    return order


@transaction.atomic
def purchase_order_close(
    *, order: PurchaseOrder, actor: User | None, reason: str = ""
) -> PurchaseOrder:
    """Close a partly received order: what was not delivered is cancelled, nothing more is
    expected from it (it no longer counts as on order)."""
    order = _locked(order)
    if order.state != OrderState.PARTLY_RECEIVED:
        raise ValidationError(_("Seule une commande reçue en partie peut être soldée."))
    cancelled: dict[str, int] = {}
    for line in order.lines.select_related("product"):
        remaining = line.remaining_qty
        if remaining:
            line.cancelled_qty += remaining
            line.save(update_fields=["cancelled_qty"])
            cancelled[line.product.name] = remaining
    purchase_order_transition(order=order, to=OrderState.RECEIVED, actor=actor)
    order.remainder_cancelled_at = order.closed_at
    order.save(update_fields=["remainder_cancelled_at"])
    audit_record(
        store=order.store,
        actor=actor,
        action="purchasing.order_close",
        target=order,
        changes={"cancelled": cancelled},
        reason=reason,
    )
    return order


@transaction.atomic
def purchase_order_from_suggestion(
    *, store: Store, supplier: Supplier, actor: User | None, weeks: int | None = None
) -> PurchaseOrder:
    """A draft order with the lines the reorder rule proposes for ``supplier`` today; the stock
    manager edits it before sending."""
    from cabas.gestion.purchasing.reorder import DEFAULT_WEEKS
    from cabas.gestion.purchasing.selectors import reorder_suggestions

    suggestion = next(
        (
            s
            for s in reorder_suggestions(store, weeks=weeks or DEFAULT_WEEKS)
            if s.supplier.pk == supplier.pk
        ),
        None,
    )
    if suggestion is None or not suggestion.lines:
        raise ValidationError(_("Rien à commander chez ce fournisseur pour l'instant."))
    return purchase_order_create(
        store=store,
        supplier=supplier,
        actor=actor,
        lines=[LineRequest(line.product, line.packs) for line in suggestion.lines],
        from_suggestion=True,
    )
