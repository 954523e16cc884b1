"""Recall pages: the list, recording a recall, and its page (who bought it, what was done)."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.selectors import product_search
from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.recalls import selectors, services
from cabas.gestion.recalls.forms import ActionForm, RecallForm, StateForm
from cabas.gestion.recalls.models import Recall, RecallActionKind, RecallState
from cabas.gestion.stock.selectors import movements_with_documents
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.models import Store
from cabas.gestion.stores.permissions import Perm

SECTION = {"section": "recalls"}


def _recall(request: StoreRequest, recall_id: int) -> Recall:
    recall = selectors.recall_for(request.store, recall_id)
    if recall is None:
        raise Http404
    return recall


@store_view(Perm.RECALLS_MANAGE)
def recall_list(request: StoreRequest) -> HttpResponse:
    return render(
        request,
        "recalls/list.html",
        {**SECTION, "recalls": selectors.store_recalls(request.store)[:200]},
    )


@store_view(Perm.RECALLS_MANAGE)
@require_http_methods(["GET", "POST"])
def recall_create(request: StoreRequest) -> HttpResponse:
    store = request.store
    product_id = request.GET.get("produit", "")
    product = (
        Product.objects.filter(store=store, pk=product_id).first()
        if product_id.isdigit() and len(product_id) < 19
        else None
    )
    if product is None:
        query = request.GET.get("q", "")[:100]
        found = product_search(store, query, status="all")[:30] if query.strip() else []
        return render(
            request, "recalls/choose_product.html", {**SECTION, "query": query, "found": found}
        )
    form = RecallForm(request.POST or None, store=store, product=product)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recall = services.recall_record(
                store=store,
                product=product,
                scope=data["scope"],
                lots=data["lots"],
                dlc_from=data["dlc_from"],
                dlc_to=data["dlc_to"],
                reason=data["reason"],
                source=data["source"],
                source_reference=data["source_reference"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "Rappel enregistré : « %(product)s » est bloqué sur les caisses dès leur "
                    "prochaine synchronisation, et les lots rappelés sont sortis du stock."
                )
                % {"product": product.name},
            )
            return redirect("recalls:detail", recall_id=recall.pk)
    return render(request, "recalls/create.html", {**SECTION, "form": form, "product": product})


@store_view(Perm.RECALLS_MANAGE)
def recall_detail(request: StoreRequest, recall_id: int) -> HttpResponse:
    recall = _recall(request, recall_id)
    return render(
        request,
        "recalls/detail.html",
        {
            **SECTION,
            "recall": recall,
            "lots": recall.lots.order_by("dlc", "received_at", "id"),
            "removals": movements_with_documents(selectors.recall_removals(recall)),
            "buyers": selectors.recall_buyers(recall),
            "actions": selectors.recall_actions(recall),
            "action_form": ActionForm(store=request.store),
            "state_form": StateForm(),
            "called": RecallActionKind.HOUSEHOLD_CALLED,
            "unreachable": RecallActionKind.HOUSEHOLD_UNREACHABLE,
            "active": recall.state == RecallState.ACTIVE,
            "open": recall.state != RecallState.CLOSED,
        },
    )


def _done_at(store: Store, day: date | None) -> datetime:
    """Now for an action done today; midday of the day it was done otherwise."""
    zone = zoneinfo.ZoneInfo(store.timezone)
    now = timezone.now()
    if day is None or day == timezone.localtime(now, zone).date():
        return now
    return datetime.combine(day, time(12), tzinfo=zone)


@store_view(Perm.RECALLS_MANAGE)
@require_POST
def recall_action_add(request: StoreRequest, recall_id: int) -> HttpResponse:
    recall = _recall(request, recall_id)
    form = ActionForm(request.POST, store=request.store)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.recall_action_record(
                recall=recall,
                kind=data["kind"],
                household=data["household"],
                note=data["note"],
                done_at=_done_at(request.store, data["done_on"]),
                actor=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Action enregistrée."))
            return redirect("recalls:detail", recall_id=recall.pk)
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, str(text))
    return redirect("recalls:detail", recall_id=recall.pk)


def _state_change(request: StoreRequest, recall_id: int, *, lift: bool) -> HttpResponse:
    recall = _recall(request, recall_id)
    form = StateForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    change = services.recall_lift if lift else services.recall_close
    try:
        change(recall=recall, actor=request.user, note=note)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, str(text))
    else:
        messages.success(
            request,
            _(
                "Vente débloquée : les caisses vendront de nouveau ce produit à leur prochaine "
                "synchronisation."
            )
            if lift
            else _("Rappel clos."),
        )
    return redirect("recalls:detail", recall_id=recall.pk)


@store_view(Perm.RECALLS_MANAGE)
@require_POST
def recall_lift(request: StoreRequest, recall_id: int) -> HttpResponse:
    return _state_change(request, recall_id, lift=True)


@store_view(Perm.RECALLS_MANAGE)
@require_POST
def recall_close(request: StoreRequest, recall_id: int) -> HttpResponse:
    return _state_change(request, recall_id, lift=False)
