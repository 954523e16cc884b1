"""The product picker of an order's lines: the products one supplier sells (JSON)."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from cabas.gestion.catalog.picker import picker_search
from cabas.gestion.purchasing.forms import supplier_products
from cabas.gestion.purchasing.models import Supplier
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm


@store_view(Perm.PURCHASING_MANAGE)
@require_GET
def supplier_product_picker(request: StoreRequest, supplier_id: int) -> HttpResponse:
    """GET ?q=: the products this supplier of the current shop sells, for the picker."""
    supplier = get_object_or_404(Supplier, pk=supplier_id, store=request.store)
    products = supplier_products(supplier)
    return JsonResponse(picker_search(request.store, request.GET.get("q", ""), products))
