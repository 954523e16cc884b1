"""Goods coming in: the reception of an order (whole or partial, quantities that differ,
substitutes, lots with their DLC/DDM, damaged goods noted) and donations without an order.

Stock is written only through :mod:`cabas.gestion.stock.services` (``lot_receive``: a lot and
its entry movement, the levels with it), inside this module's one transaction per delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record
from cabas.gestion.catalog.models import Product
from cabas.gestion.purchasing.documents import DELIVERY_DOCUMENT
from cabas.gestion.purchasing.models import (
    Delivery,
    DeliveryKind,
    DeliveryLine,
    OrderState,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierKind,
)
from cabas.gestion.purchasing.services import purchase_order_transition
from cabas.gestion.stock.documents import DocumentRef
from cabas.gestion.stock.models import LotOrigin, MovementKind
from cabas.gestion.stock.services import lot_receive
from cabas.gestion.stores.models import Store
from cabas.rules.pricing import PROGRAMME_ORIGINS


@dataclass(frozen=True)
class ReceivedLine:
    """One product that came in. ``order_line`` is the ordered line it answers (None for an
    extra product or a donation); a ``product`` other than the line's is a substitute."""

    product: Product
    quantity: int
    order_line: PurchaseOrderLine | None = None
    dlc: date | None = None
    ddm: date | None = None
    damaged_note: str = ""
    # A DLC already past on arrival: the lot comes in and goes out at once as a loss.
    expired_on_arrival: bool = False


def _check_lines(store: Store, lines: Sequence[ReceivedLine]) -> list[ReceivedLine]:
    kept = [line for line in lines if line.quantity]
    for line in kept:
        if line.product.store_id != store.pk:
            raise ValidationError(_("Ce produit n'existe pas dans cette épicerie."))
        if line.quantity < 0:
            raise ValidationError(_("Une quantité reçue ne peut pas être négative."))
        if line.dlc and line.ddm:
            raise ValidationError(
                _("« %(product)s » : un lot a une DLC ou une DDM, pas les deux.")
                % {"product": line.product.name}
            )
    if not kept:
        raise ValidationError(_("Indiquez au moins une quantité reçue."))
    return kept


def _source_label(supplier: Supplier, programme: str) -> str:
    return f"{programme} · {supplier.name}" if programme else supplier.name


def _record(
    *,
    delivery: Delivery,
    lines: Sequence[ReceivedLine],
    actor: User | None,
    movement_kind: str,
    reason: str,
) -> list[DeliveryLine]:
    document = DocumentRef(DELIVERY_DOCUMENT, str(delivery.pk))
    label = _source_label(delivery.supplier, delivery.programme)
    created: list[DeliveryLine] = []
    for line in lines:
        try:
            lot = lot_receive(
                store=delivery.store,
                product=line.product,
                quantity=line.quantity,
                actor=actor,
                kind=movement_kind,
                dlc=line.dlc,
                ddm=line.ddm,
                origin=delivery.origin,
                programme=delivery.programme,
                source_label=label,
                document=document,
                received_at=delivery.received_at,
                reason=" — ".join(part for part in (reason, line.damaged_note) if part)[:300],
                expired_on_arrival=line.expired_on_arrival,
            )
        except ValidationError as error:
            # Several rows: say which one.
            raise ValidationError(
                [f"« {line.product.name} » : {message}" for message in error.messages]
            ) from error
        created.append(
            DeliveryLine(
                store_id=delivery.store_id,
                delivery=delivery,
                order_line=line.order_line,
                product=line.product,
                quantity=line.quantity,
                lot=lot,
                dlc=line.dlc,
                ddm=line.ddm,
                damaged_note=line.damaged_note.strip()[:200],
            )
        )
    return DeliveryLine.objects.bulk_create(created)


@transaction.atomic
def purchase_order_receive(
    *,
    order: PurchaseOrder,
    actor: User | None,
    lines: Sequence[ReceivedLine],
    note: str = "",
    received_at: datetime | None = None,
) -> Delivery:
    """Receive (part of) a sent order: one delivery, one lot and one reception movement per
    line, the order's received quantities and its state, all in one transaction."""
    # Lock the order: two receptions of one order at once must not both see "partly received"
    # and miss each other's quantities when deciding whether the order is complete.
    order = (
        PurchaseOrder.objects.select_for_update()
        .select_related("supplier", "store")
        .get(pk=order.pk)
    )
    if not order.is_receivable:
        raise ValidationError(
            _("Une commande %(state)s n'attend pas de livraison.")
            % {"state": OrderState(order.state).label}
        )
    kept = _check_lines(order.store, lines)
    for line in kept:
        if line.order_line is not None and line.order_line.order_id != order.pk:
            raise ValidationError(_("Cette ligne n'appartient pas à la commande."))
    delivery = Delivery.objects.create(
        store=order.store,
        kind=DeliveryKind.RECEPTION,
        supplier=order.supplier,
        order=order,
        origin=LotOrigin.PURCHASE,
        received_at=received_at or timezone.now(),
        received_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note.strip(),
    )
    _record(
        delivery=delivery,
        lines=kept,
        actor=actor,
        movement_kind=MovementKind.RECEPTION,
        reason=_("Commande %(ref)s") % {"ref": order.reference},
    )
    for line in kept:
        if line.order_line is not None:
            PurchaseOrderLine.objects.filter(pk=line.order_line.pk).update(
                received_qty=F("received_qty") + line.quantity
            )
    complete = all(line.remaining_qty == 0 for line in order.lines.all())
    target = OrderState.RECEIVED if complete else OrderState.PARTLY_RECEIVED
    if target != order.state:
        purchase_order_transition(order=order, to=target, actor=actor)
    return delivery


@transaction.atomic
def donation_receive(
    *,
    store: Store,
    donor: Supplier,
    actor: User | None,
    lines: Sequence[ReceivedLine],
    note: str = "",
    received_at: datetime | None = None,
) -> Delivery:
    """Receive a donation (no order): its lots carry the donor's origin (food bank, ramasse,
    collection, other donation, or EU aid / a national programme with the programme's code,
    FSE+, PNAA…), which the price ceilings and the funders' returns read."""
    if donor.store_id != store.pk:
        raise ValidationError(_("Ce donateur n'existe pas dans cette épicerie."))
    if donor.kind == SupplierKind.SUPPLIER:
        raise ValidationError(
            _("%(name)s est un fournisseur : recevez sa marchandise avec une commande.")
            % {"name": donor.name}
        )
    kept = _check_lines(store, lines)
    delivery = Delivery.objects.create(
        store=store,
        kind=DeliveryKind.DONATION,
        supplier=donor,
        origin=donor.origin,
        programme=donor.programme if donor.origin in PROGRAMME_ORIGINS else "",
        received_at=received_at or timezone.now(),
        received_by=actor if getattr(actor, "is_authenticated", False) else None,
        note=note.strip(),
    )
    _record(
        delivery=delivery,
        lines=kept,
        actor=actor,
        movement_kind=MovementKind.DONATION,
        reason=_("Don de %(name)s") % {"name": donor.name},
    )
    audit_record(
        store=store,
        actor=actor,
        action="purchasing.donation_receive",
        target=delivery,
        changes={"lines": len(kept), "origin": delivery.origin, "programme": delivery.programme},
    )
    return delivery
