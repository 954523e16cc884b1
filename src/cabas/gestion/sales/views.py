"""The sales pages: tickets, anomalies to review, the quarantine, cash sessions."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from cabas.gestion.sales.models import QuarantinedPayload
from cabas.gestion.sales.selectors import store_quarantine
from cabas.gestion.stores.decorators import store_view
from cabas.gestion.stores.permissions import Perm

PAGE_SIZE = 50


@store_view(Perm.SALES_REVIEW)
def quarantine_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(store_quarantine(request.store), PAGE_SIZE).get_page(  # type: ignore[attr-defined]
        request.GET.get("page")
    )
    return render(
        request,
        "sales/quarantine_list.html",
        {"page": page, "section": "sales", "tab": "quarantine"},
    )


@store_view(Perm.SALES_REVIEW)
def quarantine_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(
        QuarantinedPayload.objects.select_related("device"),
        pk=item_id,
        store=request.store,  # type: ignore[attr-defined]
    )
    try:
        pretty = json.dumps(json.loads(item.raw), indent=2, ensure_ascii=False)
    except ValueError:
        pretty = item.raw
    return render(
        request,
        "sales/quarantine_detail.html",
        {"item": item, "pretty": pretty, "section": "sales", "tab": "quarantine"},
    )
