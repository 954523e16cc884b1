"""Lots coming in (deliveries, donations), lots thrown away, and losses."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.catalog.models import Product
from cabas.gestion.stock.documents import LOT_DOCUMENT, DocumentRef
from cabas.gestion.stock.models import LossCause, Lot, LotOrigin, MovementKind, StockMovement
from cabas.gestion.stock.services.ledger import check_entry_quantity, stock_movement_record
from cabas.gestion.stores.models import Store
from cabas.rules.pricing import PROGRAMME_ORIGINS
from cabas.rules.quantities import format_quantity


def _local_date(store: Store, moment: datetime) -> date:
    return timezone.localtime(moment, store.zone).date()


@transaction.atomic
def lot_receive(
    *,
    store: Store,
    product: Product,
    quantity: int,
    actor: User | None,
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
def lot_dispose(*, lot: Lot, actor: User | None, reason: str = "") -> StockMovement | None:
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
    actor: User | None,
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
