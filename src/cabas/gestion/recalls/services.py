"""The only writers of recalls: record one (its lots leave the stock at once and the tills
refuse the product from their next sync), record what was done, lift the tills' block, close.

Stock is written only through :mod:`cabas.gestion.stock.services`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.audit.services import audit_record
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.catalog.models import Product
from cabas.gestion.core.forms import check_date_bounds
from cabas.gestion.recalls.documents import RECALL_DOCUMENT
from cabas.gestion.recalls.models import (
    MANUAL_ACTIONS,
    Recall,
    RecallAction,
    RecallActionKind,
    RecallScope,
    RecallSource,
    RecallState,
)
from cabas.gestion.stock.models import Lot, MovementKind
from cabas.gestion.stock.services import (
    MovementSpec,
    stock_levels_lock,
    stock_movements_bulk_record,
)
from cabas.gestion.stores.models import Store


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _recalled_lots(
    *,
    store: Store,
    product: Product,
    scope: str,
    lots: Iterable[Lot],
    dlc_from: date | None,
    dlc_to: date | None,
) -> list[int]:
    """The ids of the lots the recall covers; a French error for a wrong choice."""
    candidates = Lot.objects.filter(store=store, product=product)
    if scope == RecallScope.LOTS:
        wanted = {lot.pk for lot in lots}
        if not wanted:
            raise ValidationError({"lots": _("Choisissez au moins un lot rappelé.")})
        found = list(candidates.filter(pk__in=wanted).values_list("pk", flat=True))
        if len(found) != len(wanted):
            raise ValidationError(
                {"lots": _("Un des lots choisis n'est pas un lot de ce produit.")}
            )
        return sorted(found)
    if scope == RecallScope.DLC_RANGE:
        if dlc_from is None or dlc_to is None:
            raise ValidationError(
                {"dlc_from": _("Indiquez la première et la dernière DLC rappelées.")}
            )
        for field, day in (("dlc_from", dlc_from), ("dlc_to", dlc_to)):
            try:
                check_date_bounds(day)
            except ValidationError as error:
                raise ValidationError({field: error.messages}) from None
        if dlc_from > dlc_to:
            raise ValidationError(
                {"dlc_to": _("La dernière DLC rappelée est avant la première : inversez-les.")}
            )
        return sorted(
            candidates.filter(dlc__gte=dlc_from, dlc__lte=dlc_to).values_list("pk", flat=True)
        )
    return sorted(candidates.values_list("pk", flat=True))


@transaction.atomic
def recall_record(
    *,
    store: Store,
    product: Product,
    scope: str,
    reason: str,
    source: str,
    actor: Any,
    lots: Iterable[Lot] = (),
    dlc_from: date | None = None,
    dlc_to: date | None = None,
    source_reference: str = "",
) -> Recall:
    """Record a recall: the product is blocked on every till from its next sync, and what the
    recalled lots still hold leaves the stock as ``recall`` movements (for a whole-product
    recall, the stock held outside any lot too)."""
    if product.store_id != store.pk:
        raise ValidationError(_("Ce produit n'existe pas dans cette épicerie."))
    if scope not in RecallScope.values:
        raise ValidationError({"scope": _("Choisissez ce qui est rappelé.")})
    if source not in RecallSource.values:
        raise ValidationError({"source": _("Choisissez qui demande le rappel.")})
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du rappel (exemple : Listeria).")})
    if scope != RecallScope.DLC_RANGE:
        dlc_from = dlc_to = None
    lot_ids = _recalled_lots(
        store=store, product=product, scope=scope, lots=lots, dlc_from=dlc_from, dlc_to=dlc_to
    )
    recall = Recall.objects.create(
        store=store,
        product=product,
        scope=scope,
        dlc_from=dlc_from,
        dlc_to=dlc_to,
        reason=reason[:300],
        source=source,
        source_reference=" ".join(source_reference.split())[:120],
        created_by=_user(actor),
    )
    recall.lots.set(lot_ids)
    with connection.cursor() as cursor:
        # Locked (product, then its lots, the order every stock writer takes): a till's sale
        # stored meanwhile would otherwise take units we are removing, and the lot go negative.
        stock_levels_lock(store=store, product_ids=[product.pk], cursor=cursor)
    held = dict(
        Lot.objects.filter(pk__in=lot_ids, quantity__gt=0)
        .order_by("pk")
        .values_list("pk", "quantity")
    )
    why = _("Rappel : %(reason)s") % {"reason": reason}
    specs = [
        MovementSpec(
            product_id=product.pk,
            quantity=-quantity,
            kind=MovementKind.RECALL,
            lot_id=lot_id,
            reason=why[:300],
        )
        for lot_id, quantity in held.items()
    ]
    removed = sum(held.values())
    if scope == RecallScope.PRODUCT:
        level = Product.objects.values_list("stock_qty", flat=True).get(pk=product.pk)
        outside_lots = level - removed
        if outside_lots > 0:
            specs.append(
                MovementSpec(
                    product_id=product.pk,
                    quantity=-outside_lots,
                    kind=MovementKind.RECALL,
                    reason=why[:300],
                )
            )
            removed += outside_lots
    if specs:
        stock_movements_bulk_record(
            store=store,
            specs=specs,
            occurred_at=timezone.now(),
            document_type=RECALL_DOCUMENT,
            document_id=str(recall.pk),
            actor=_user(actor),
        )
    recall.removed_qty = removed
    recall.save(update_fields=["removed_qty"])
    RecallAction.objects.create(
        store=store,
        recall=recall,
        kind=RecallActionKind.RECORDED,
        done_at=recall.created_at,
        done_by=_user(actor),
        note=recall.lots_label(),
    )
    audit_record(
        store=store,
        actor=actor,
        action="recalls.recall_record",
        target=recall,
        changes={
            "product": product.pk,
            "scope": scope,
            "lots": lot_ids,
            "removed_qty": removed,
        },
        reason=reason,
    )
    return recall


def _locked(recall: Recall) -> Recall:
    # Locked: two people lifting and closing at once would each read the old state.
    return Recall.objects.select_for_update().get(pk=recall.pk, store_id=recall.store_id)


@transaction.atomic
def recall_action_record(
    *,
    recall: Recall,
    kind: str,
    actor: Any,
    household: Household | None = None,
    note: str = "",
    done_at: datetime | None = None,
) -> RecallAction:
    """Record something done about the recall (a household called, goods destroyed…)."""
    if kind not in dict(MANUAL_ACTIONS):
        raise ValidationError({"kind": _("Choisissez l'action faite.")})
    if household is not None and household.store_id != recall.store_id:
        raise ValidationError({"household": _("Ce foyer n'existe pas dans cette épicerie.")})
    now = timezone.now()
    done_at = done_at or now
    if timezone.is_naive(done_at):
        raise ValueError("done_at must be timezone-aware")
    if done_at > now + timedelta(minutes=5):
        raise ValidationError({"done_at": _("Une action faite ne peut pas être dans le futur.")})
    if done_at < recall.created_at - timedelta(days=1):
        raise ValidationError(
            {"done_at": _("Cette date est avant l'enregistrement du rappel : vérifiez-la.")}
        )
    note = " ".join(note.split())[:300]
    if kind == RecallActionKind.NOTE and not note:
        raise ValidationError({"note": _("Dites ce qui a été fait.")})
    action = RecallAction.objects.create(
        store_id=recall.store_id,
        recall=recall,
        kind=kind,
        household=household,
        note=note,
        done_at=done_at,
        done_by=_user(actor),
    )
    Recall.objects.filter(pk=recall.pk).update(updated_at=now)
    return action


def _move(
    recall: Recall, *, to: str, actor: Any, note: str, kind: str, audit_action: str
) -> Recall:
    locked = _locked(recall)
    if not locked.can_become(to):
        raise ValidationError(
            _("Ce rappel est « %(state)s » : impossible de le passer à « %(to)s ».")
            % {"state": locked.get_state_display(), "to": RecallState(to).label}
        )
    now = timezone.now()
    before = locked.state
    locked.state = to
    fields = ["state", "updated_at"]
    if to == RecallState.LIFTED or (to == RecallState.CLOSED and locked.lifted_at is None):
        locked.lifted_at = now
        fields.append("lifted_at")
    if to == RecallState.CLOSED:
        locked.closed_at = now
        fields.append("closed_at")
    locked.save(update_fields=fields)
    RecallAction.objects.create(
        store_id=locked.store_id,
        recall=locked,
        kind=kind,
        note=" ".join(note.split())[:300],
        done_at=now,
        done_by=_user(actor),
    )
    audit_record(
        store=locked.store,
        actor=actor,
        action=audit_action,
        target=locked,
        changes={"state": [before, to]},
        reason=note,
    )
    recall.state, recall.lifted_at, recall.closed_at = to, locked.lifted_at, locked.closed_at
    return locked


@transaction.atomic
def recall_lift(*, recall: Recall, actor: Any, note: str = "") -> Recall:
    """The tills may sell the product again (the recalled lots are off the shelves, or the
    recall was withdrawn); the follow-up goes on."""
    return _move(
        recall,
        to=RecallState.LIFTED,
        actor=actor,
        note=note,
        kind=RecallActionKind.LIFTED,
        audit_action="recalls.recall_lift",
    )


@transaction.atomic
def recall_close(*, recall: Recall, actor: Any, note: str = "") -> Recall:
    """Nothing more to do: the tills sell the product again, if they did not already."""
    return _move(
        recall,
        to=RecallState.CLOSED,
        actor=actor,
        note=note,
        kind=RecallActionKind.CLOSED,
        audit_action="recalls.recall_close",
    )
