"""The sales pages: tickets, anomalies to review, the quarantine, cash sessions."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.sales import services
from cabas.gestion.sales.forms import AnomaliesHandleForm, AnomalyHandleForm, TicketFilterForm
from cabas.gestion.sales.models import Anomaly, QuarantinedPayload, Ticket
from cabas.gestion.sales.selectors import (
    TicketFilters,
    anomaly_kind_counts,
    pending_anomaly_ids,
    session_tickets,
    store_anomalies,
    store_cash_sessions,
    store_quarantine,
    store_tickets,
)
from cabas.gestion.sales.selectors import (
    ticket_detail as select_ticket,
)
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm

PAGE_SIZE = 50


def _context(request: StoreRequest, tab: str, **extra: object) -> dict[str, object]:
    membership = request.membership
    return {
        "section": "sales",
        "tab": tab,
        "can_review": membership.has_perm(Perm.SALES_REVIEW),
        **extra,
    }


@store_view(Perm.SALES_VIEW)
def ticket_list(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = TicketFilterForm(request.GET or None, store=store)
    filters = TicketFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = TicketFilters(
            start=data["start"],
            end=data["end"],
            device_id=data["device"] or None,
            cashier_id=int(data["cashier"]) if data["cashier"] else None,
            household_code=data["household"],
            with_anomalies=data["anomalies"],
            id_prefix=data["number"],
        )
    page = Paginator(store_tickets(store, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sales/ticket_list.html",
        _context(request, "tickets", form=form, page=page, query=query.urlencode()),
    )


@store_view(Perm.SALES_VIEW)
def ticket_detail(request: StoreRequest, ticket_id: str) -> HttpResponse:
    try:
        ticket = select_ticket(request.store, ticket_id)
    except Ticket.DoesNotExist:
        raise Http404 from None
    refunds = Ticket.objects.filter(store=ticket.store, refund_of=ticket.pk)
    return render(
        request,
        "sales/ticket_detail.html",
        _context(
            request,
            "tickets",
            ticket=ticket,
            refunds=list(refunds),
            handle_form=AnomalyHandleForm(),
        ),
    )


@store_view(Perm.SALES_REVIEW)
def anomaly_list(request: StoreRequest) -> HttpResponse:
    handled = request.GET.get("traitees") == "1"
    kind = request.GET.get("nature", "")
    if kind not in Anomaly.Kind.values:
        kind = ""
    anomalies = store_anomalies(request.store, handled=handled, kind=kind)
    page = Paginator(anomalies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/anomaly_list.html",
        _context(
            request,
            "anomalies",
            page=page,
            handled=handled,
            kind=kind,
            kinds=anomaly_kind_counts(request.store),
            total=page.paginator.count,
            query="traitees=1" if handled else (f"nature={kind}" if kind else ""),
        ),
    )


@store_view(Perm.SALES_REVIEW)
@require_POST
def anomalies_handle(request: StoreRequest) -> HttpResponse:
    """Several anomalies reviewed at once, with one reason."""
    form = AnomaliesHandleForm(request.POST, pending_ids=pending_anomaly_ids(request.store))
    kind = request.POST.get("kind", "")
    back = redirect(
        f"{reverse('sales:anomaly_list')}?nature={kind}" if kind else "sales:anomaly_list"
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return back
    data = form.cleaned_data
    try:
        count = services.anomalies_handle(
            store=request.store,
            actor=request.user,
            note=data["note"],
            anomaly_ids=[] if data["every_of_kind"] else data["anomaly"],
            kind=data["kind"] if data["every_of_kind"] else "",
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return back
    messages.success(
        request,
        ngettext(
            "%(count)d anomalie marquée comme traitée.",
            "%(count)d anomalies marquées comme traitées.",
            count,
        )
        % {"count": count},
    )
    return back


@store_view(Perm.SALES_REVIEW)
@require_POST
def anomaly_handle(request: StoreRequest, anomaly_id: int) -> HttpResponse:
    anomaly = get_object_or_404(Anomaly, pk=anomaly_id, store=request.store)
    form = AnomalyHandleForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.anomaly_handle(anomaly=anomaly, actor=request.user, note=note)
    messages.success(request, _("Anomalie marquée comme traitée."))
    target = request.POST.get("next", "")
    if target == "ticket":
        return redirect("sales:ticket_detail", ticket_id=anomaly.ticket_id)
    return redirect("sales:anomaly_list")


@store_view(Perm.SALES_REVIEW)
def quarantine_list(request: StoreRequest) -> HttpResponse:
    page = Paginator(store_quarantine(request.store), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sales/quarantine_list.html",
        _context(
            request,
            "quarantine",
            page=page,
            per_device=settings.CABAS_QUARANTINE_PER_DEVICE,
            retention_days=settings.CABAS_QUARANTINE_RETENTION_DAYS,
            keep_bytes=settings.CABAS_QUARANTINE_KEEP_BYTES,
        ),
    )


@store_view(Perm.SALES_REVIEW)
@require_http_methods(["GET", "POST"])
def quarantine_detail(request: StoreRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(
        QuarantinedPayload.objects.select_related("device", "reviewed_by"),
        pk=item_id,
        store=request.store,
    )
    if request.method == "POST":
        services.quarantine_mark_reviewed(item=item, actor=request.user)
        messages.success(request, _("Envoi marqué comme vu."))
        return redirect("sales:quarantine_list")
    try:
        pretty = json.dumps(json.loads(item.raw), indent=2, ensure_ascii=False)
    except ValueError:
        pretty = item.raw
    return render(
        request,
        "sales/quarantine_detail.html",
        _context(request, "quarantine", item=item, pretty=pretty),
    )


@store_view(Perm.SALES_VIEW)
def cash_session_list(request: StoreRequest) -> HttpResponse:
    page = Paginator(store_cash_sessions(request.store), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "sales/cash_session_list.html", _context(request, "sessions", page=page))


@store_view(Perm.SALES_VIEW)
def cash_session_detail(request: StoreRequest, session_id: str) -> HttpResponse:
    session = get_object_or_404(
        store_cash_sessions(request.store),
        pk=session_id,
    )
    methods = sorted(set(session.counted) | set(session.expected))
    rows = [
        (
            method,
            session.expected.get(method),
            session.counted.get(method),
            (session.counted.get(method) or 0) - (session.expected.get(method) or 0),
        )
        for method in methods
    ]
    return render(
        request,
        "sales/cash_session_detail.html",
        _context(
            request, "sessions", session=session, rows=rows, tickets=list(session_tickets(session))
        ),
    )
