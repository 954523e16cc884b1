"""Stock pages: overview and movements, dated lots, entries and losses, inventory counts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.catalog.models import Product
from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.stock import selectors, services
from cabas.gestion.stock.forms import (
    CountCreateForm,
    CountValidateForm,
    LineSetForm,
    LossForm,
    LotReceiveForm,
    ScanForm,
)
from cabas.gestion.stock.models import (
    CountState,
    InventoryCount,
    InventoryCountLine,
    InventoryCountLotLine,
    Lot,
    MovementKind,
)
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm
from cabas.rules import dates as rules_dates
from cabas.rules.quantities import stored_quantity

SECTION = {"section": "stock"}
PAGE_SIZE = 50
DEFAULT_DAYS = 3


def _days(request: StoreRequest) -> int:
    try:
        return min(max(int(request.GET.get("jours", DEFAULT_DAYS)), 0), 365)
    except ValueError:
        return DEFAULT_DAYS


def _page(request: StoreRequest, items: Any, size: int = PAGE_SIZE) -> Any:
    return Paginator(items, size).get_page(request.GET.get("page"))


@store_view(Perm.STOCK_MANAGE)
def home(request: StoreRequest) -> HttpResponse:
    store = request.store
    kind = request.GET.get("nature", "")
    if kind not in MovementKind.values:
        kind = ""
    page = _page(request, selectors.store_movements(store, kind=kind))
    page.object_list = selectors.movements_with_documents(page.object_list)
    return render(
        request,
        "stock/home.html",
        {
            **SECTION,
            "page": page,
            "kind": kind,
            "kinds": MovementKind.choices,
            "alerts": selectors.alert_counts(store, days=DEFAULT_DAYS),
            "days": DEFAULT_DAYS,
            "counts": selectors.counts_in_progress(store)[:5],
        },
    )


@store_view(Perm.STOCK_MANAGE)
def dates(request: StoreRequest) -> HttpResponse:
    lots = selectors.dated_lots(request.store, days=_days(request))
    return render(request, "stock/dates.html", {**SECTION, "lots": lots})


@store_view(Perm.STOCK_MANAGE)
def lot_detail(request: StoreRequest, lot_id: int) -> HttpResponse:
    store = request.store
    lot = get_object_or_404(Lot.objects.select_related("product"), pk=lot_id, store=store)
    movements = selectors.movements_with_documents(
        lot.movements.select_related("created_by").order_by("-occurred_at", "-id")[:100]
    )
    return render(
        request,
        "stock/lot_detail.html",
        {
            **SECTION,
            "lot": lot,
            "movements": movements,
            "state": rules_dates.sellability(lot.dlc, lot.ddm, store.today()),
        },
    )


@store_view(Perm.STOCK_MANAGE)
@require_POST
def lot_dispose(request: StoreRequest, lot_id: int) -> HttpResponse:
    lot = get_object_or_404(Lot, pk=lot_id, store=request.store)
    movement = services.lot_dispose(lot=lot, actor=request.user)
    if movement is None:
        messages.info(request, _("Ce lot était déjà vide."))
    else:
        messages.success(request, _("Lot retiré du stock : mouvement de destruction enregistré."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("stock:dates")  # never bounce to another site
    return redirect(target)


def _initial_product(request: StoreRequest) -> dict[str, Any]:
    product_id = request.GET.get("produit", "")
    return {"product": product_id} if product_id.isdigit() else {}


def _product_named(request: StoreRequest) -> Product | None:
    initial = _initial_product(request)
    if not initial:
        return None
    return Product.objects.filter(store=request.store, pk=initial["product"]).first()


@store_view(Perm.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def lot_add(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = LotReceiveForm(request.POST or None, store=store, initial=_initial_product(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        date_kind = data["date_kind"]
        try:
            lot = services.lot_receive(
                store=store,
                product=form.product_obj,  # type: ignore[arg-type]  # clean() ensured it
                quantity=data["quantity"],
                actor=request.user,
                kind=data["kind"],
                dlc=data["date"] if date_kind == "dlc" else None,
                ddm=data["date"] if date_kind == "ddm" else None,
                origin=data["origin"],
                programme=form.product_obj.programme,  # type: ignore[union-attr]
                source_label=data["source_label"],
                expired_on_arrival=data["expired_on_arrival"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Entrée enregistrée : %(lot)s de %(product)s.")
                % {"lot": lot, "product": lot.product},
            )
            return redirect("stock:lot_detail", lot_id=lot.pk)
    return render(
        request, "stock/lot_add.html", {**SECTION, "form": form, "named": _product_named(request)}
    )


@store_view(Perm.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def loss_add(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = LossForm(request.POST or None, store=store, initial=_initial_product(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.loss_record(
                store=store,
                product=form.product_obj,  # type: ignore[arg-type]  # clean() ensured it
                quantity=data["quantity"],
                cause=data["cause"],
                detail=data["detail"],
                actor=request.user,
                stock_unknown=data["stock_unknown"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Perte enregistrée pour %(product)s.") % {"product": form.product_obj}
            )
            return redirect("stock:loss_add")
    recent = selectors.movements_with_documents(
        selectors.store_movements(store, kind=MovementKind.LOSS)[:10]
    )
    return render(
        request,
        "stock/loss_add.html",
        {
            **SECTION,
            "form": form,
            "recent": recent,
            "named": _product_named(request),
        },
    )


@store_view(Perm.STOCK_MANAGE)
def product_movements(request: StoreRequest, product_id: int) -> HttpResponse:
    store = request.store
    product = get_object_or_404(Product, pk=product_id, store=store)
    page = _page(request, selectors.product_movements(store, product))
    page.object_list = selectors.movements_with_documents(page.object_list)
    return render(
        request,
        "stock/product_movements.html",
        {
            **SECTION,
            "product": product,
            "page": page,
            "lots": selectors.product_lots(store, product),
        },
    )


# --- Inventory counts ----------------------------------------------------------------------


def _count_or_404(request: StoreRequest, count_id: int) -> InventoryCount:
    return get_object_or_404(InventoryCount, pk=count_id, store=request.store)


@store_view(Perm.STOCK_MANAGE)
def count_list(request: StoreRequest) -> HttpResponse:
    page = _page(request, selectors.store_counts(request.store), 25)
    return render(request, "stock/count_list.html", {**SECTION, "page": page})


@store_view(Perm.STOCK_MANAGE)
@require_http_methods(["GET", "POST"])
def count_add(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = CountCreateForm(request.POST or None, store=store)
    if request.method == "POST" and form.is_valid():
        count = services.inventory_count_create(
            store=store,
            actor=request.user,
            name=form.cleaned_data["name"],
            categories=form.cleaned_data["categories"],
        )
        if "start" in request.POST:
            services.inventory_count_start(count=count, actor=request.user)
        return redirect("stock:count_detail", count_id=count.pk)
    return render(request, "stock/count_add.html", {**SECTION, "form": form})


@store_view(Perm.STOCK_MANAGE)
def count_detail(request: StoreRequest, count_id: int) -> HttpResponse:
    count = _count_or_404(request, count_id)
    review = selectors.count_review(count) if count.state != CountState.DRAFT else None
    show = request.GET.get("voir", "")
    lines = review.lines if review else []
    if show == "ecarts":
        lines = [line for line in lines if line.difference]
    elif show == "restants":
        lines = [line for line in lines if line.counted is None]
    return render(
        request,
        "stock/count_detail.html",
        {
            **SECTION,
            "count": count,
            "review": review,
            "page": _page(request, lines, 100),
            "show": show,
            "validate_form": CountValidateForm(),
            "categories": list(count.categories.all()),
            "recent": _recent_lines(count),
        },
    )


def _recent_lines(count: InventoryCount) -> list[InventoryCountLine]:
    return list(
        count.lines.filter(counted_at__isnull=False)
        .select_related("product")
        .order_by("-counted_at", "-id")[:8]
    )


def _transition(
    request: StoreRequest, count_id: int, action: Any, done: str, **kw: Any
) -> HttpResponse:
    count = _count_or_404(request, count_id)
    try:
        action(count=count, actor=request.user, **kw)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("stock:count_detail", count_id=count.pk)


@store_view(Perm.STOCK_MANAGE)
@require_POST
def count_start(request: StoreRequest, count_id: int) -> HttpResponse:
    return _transition(
        request,
        count_id,
        services.inventory_count_start,
        _("Inventaire commencé : scannez les produits."),
    )


@store_view(Perm.STOCK_MANAGE)
@require_POST
def count_cancel(request: StoreRequest, count_id: int) -> HttpResponse:
    return _transition(
        request,
        count_id,
        services.inventory_count_cancel,
        _("Inventaire annulé : le stock n'a pas changé."),
    )


@store_view(Perm.STOCK_MANAGE)
@require_POST
def count_validate(request: StoreRequest, count_id: int) -> HttpResponse:
    form = CountValidateForm(request.POST)
    zero = form.is_valid() and form.cleaned_data["zero_uncounted"]
    return _transition(
        request,
        count_id,
        services.inventory_count_validate,
        _("Inventaire validé : les ajustements sont enregistrés."),
        zero_uncounted=zero,
    )


@store_view(Perm.STOCK_MANAGE)
@require_POST
def count_scan(request: StoreRequest, count_id: int) -> HttpResponse:
    """A scanner types the code and Enter; HTMX posts it here and shows the counted line."""
    count = _count_or_404(request, count_id)
    form = ScanForm(request.POST)
    result, error = None, None
    if form.is_valid():
        try:
            result = services.inventory_count_scan(
                count=count,
                code=form.cleaned_data["code"],
                actor=request.user,
                typed_quantity=form.cleaned_data["quantity"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("stock:count_detail", count_id=count.pk)
    # The counted line, also swapped into the differences table (out of band).
    line = selectors.count_line_review(count, result.line.pk) if result else None
    return render(
        request,
        "stock/_scan_result.html",
        {
            "count": count,
            "result": result,
            "error": error,
            "line": line,
            "summary": selectors.count_review(count) if result else None,
            "recent": _recent_lines(count),
        },
    )


@store_view(Perm.STOCK_MANAGE)
@require_POST
def count_line_set(request: StoreRequest, count_id: int, line_id: int) -> HttpResponse:
    count = _count_or_404(request, count_id)
    line = get_object_or_404(
        InventoryCountLine.objects.select_related("product", "count"), pk=line_id, count=count
    )
    form = LineSetForm(request.POST)
    error = None
    if form.is_valid():
        try:
            typed = form.cleaned_data["counted"]
            counted = None if typed is None else stored_quantity(typed, line.product.unit)
            services.inventory_count_line_set(line=line, counted=counted, actor=request.user)
        except ValueError as exc:
            error = str(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("stock:count_detail", count_id=count.pk)
    return _line_response(request, count, line.pk, error)


def _line_response(
    request: StoreRequest, count: InventoryCount, line_id: int, error: str | None
) -> HttpResponse:
    """The line again (swapped in place), and the count's summary computed now (out of band):
    the differences and their value are right after every line saved."""
    return render(
        request,
        "stock/_count_line.html",
        {
            "count": count,
            "line": selectors.count_line_review(count, line_id),
            "error": error,
            "summary": selectors.count_review(count),
        },
    )


@store_view(Perm.STOCK_MANAGE)
@require_POST
def count_lot_line_set(request: StoreRequest, count_id: int, lot_line_id: int) -> HttpResponse:
    """What was found of one lot of a product counted lot by lot."""
    count = _count_or_404(request, count_id)
    lot_line = get_object_or_404(
        InventoryCountLotLine.objects.select_related("line__product", "line__count"),
        pk=lot_line_id,
        line__count=count,
    )
    form = LineSetForm(request.POST)
    error = None
    if form.is_valid():
        try:
            typed = form.cleaned_data["counted"]
            counted = None if typed is None else stored_quantity(typed, lot_line.line.product.unit)
            services.inventory_count_lot_line_set(
                lot_line=lot_line, counted=counted, actor=request.user
            )
        except ValueError as exc:
            error = str(exc)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("stock:count_detail", count_id=count.pk)
    return _line_response(request, count, lot_line.line_id, error)
