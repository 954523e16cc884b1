"""Pages of purchasing: suppliers and donors, orders, suggestions, receptions, donations and
traceability. Managers and stock managers only (Perm.PURCHASING_MANAGE)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.catalog.models import Product
from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.purchasing import receiving, selectors, services
from cabas.gestion.purchasing.forms import (
    OrderCreateForm,
    OrderEditForm,
    OrderFilterForm,
    OrderLineForm,
    ReasonForm,
    SupplierForm,
    SupplierProductForm,
    euros_initial,
)
from cabas.gestion.purchasing.mail import outgoing_email_retry_now
from cabas.gestion.purchasing.models import (
    Delivery,
    DeliveryKind,
    DeliveryLine,
    OrderState,
    PurchaseOrder,
    Supplier,
    SupplierKind,
    SupplierProduct,
)
from cabas.gestion.purchasing.pdf import purchase_order_pdf
from cabas.gestion.purchasing.reception_forms import (
    DeliveryNoteForm,
    DonationForm,
    donation_formset,
    reception_formset,
)
from cabas.gestion.stock.models import Lot
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm

SECTION = "purchasing"


def _page(request: StoreRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"purchasing/{template}", {"section": SECTION, **context})


def _act(request: StoreRequest, action: Callable[[], object], done: str) -> bool:
    """Run a service; a refusal becomes a French message instead of an error page."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    messages.success(request, done)
    return True


# --- suppliers -------------------------------------------------------------------------------


@store_view(Perm.PURCHASING_MANAGE)
def supplier_list(request: StoreRequest) -> HttpResponse:
    kind = request.GET.get("type", "")
    if kind not in {"", "donors", *SupplierKind.values}:
        kind = ""
    suppliers = selectors.suppliers_list(request.store, kind=kind, query=request.GET.get("q", ""))
    page = Paginator(suppliers, 50).get_page(request.GET.get("page"))
    return _page(
        request,
        "supplier_list.html",
        {
            "page_obj": page,
            "kind": kind,
            "kinds": SupplierKind.choices,
            "q": request.GET.get("q", ""),
        },
    )


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def supplier_create(request: StoreRequest) -> HttpResponse:
    form = SupplierForm(request.POST or None, initial={"kind": request.GET.get("type", "")})
    if request.method == "POST" and form.is_valid():
        try:
            supplier = services.supplier_create(
                store=request.store, actor=request.user, data=form.service_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("%(name)s est enregistré.") % {"name": supplier.name})
            return redirect("purchasing:supplier_detail", supplier_id=supplier.pk)
    return _page(request, "supplier_form.html", {"form": form, "supplier": None})


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def supplier_edit(request: StoreRequest, supplier_id: int) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=supplier_id, store=request.store)
    form = SupplierForm.for_supplier(supplier, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.supplier_update(
                supplier=supplier, actor=request.user, data=form.service_data()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("purchasing:supplier_detail", supplier_id=supplier.pk)
    return _page(request, "supplier_form.html", {"form": form, "supplier": supplier})


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def supplier_detail(request: StoreRequest, supplier_id: int) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=supplier_id, store=request.store)
    form = SupplierProductForm(request.POST or None, store=request.store)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.supplier_product_set(
                supplier=supplier,
                product=data["product"],
                actor=request.user,
                reference=data["reference"],
                pack_size=data["pack_size"],
                pack_price_cents=data["pack_price"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Produit du fournisseur enregistré."))
            return redirect("purchasing:supplier_detail", supplier_id=supplier.pk)
    items = list(selectors.supplier_products(supplier))
    for item in items:
        item.pack_price_text = euros_initial(item.pack_price_cents)  # type: ignore[attr-defined]
    return _page(
        request,
        "supplier_detail.html",
        {
            "supplier": supplier,
            "items": items,
            "form": form,
            "orders": selectors.orders_list(request.store, supplier_id=supplier.pk)[:10],
            "deliveries": Delivery.objects.filter(store=request.store, supplier=supplier)
            .select_related("order")
            .order_by("-received_at")[:10],
        },
    )


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def supplier_product_remove(request: StoreRequest, item_id: int) -> HttpResponse:
    item = get_object_or_404(SupplierProduct, pk=item_id, store=request.store)
    services.supplier_product_remove(item=item, actor=request.user)
    messages.success(request, _("Produit retiré de la liste du fournisseur."))
    return redirect("purchasing:supplier_detail", supplier_id=item.supplier_id)


# --- orders ----------------------------------------------------------------------------------


@store_view(Perm.PURCHASING_MANAGE)
def home(request: StoreRequest) -> HttpResponse:
    """The orders, filtered by state."""
    filters = OrderFilterForm(request.GET or None)
    state = filters.cleaned_data["state"] if filters.is_valid() else ""
    orders = selectors.orders_list(request.store, state=state)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "filters": filters,
        "state": state,
        "create_form": OrderCreateForm(store=request.store),
    }
    if request.htmx:
        return render(request, "purchasing/_order_table.html", context)
    return _page(request, "order_list.html", context)


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def order_create(request: StoreRequest) -> HttpResponse:
    form = OrderCreateForm(request.POST, store=request.store)
    if not form.is_valid():
        messages.error(request, _("Choisissez un fournisseur."))
        return redirect("purchasing:home")
    try:
        order = services.purchase_order_create(
            store=request.store, supplier=form.cleaned_data["supplier"], actor=request.user
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("purchasing:home")
    return redirect("purchasing:order_detail", order_id=order.pk)


def _order(request: StoreRequest, order_id: int) -> PurchaseOrder:
    try:
        return selectors.order_detail(request.store, order_id)
    except PurchaseOrder.DoesNotExist:
        raise Http404 from None


@store_view(Perm.PURCHASING_MANAGE)
def order_detail(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    deliveries = (
        Delivery.objects.filter(store=request.store, order=order)
        .select_related("received_by")
        .prefetch_related(
            Prefetch("lines", queryset=DeliveryLine.objects.select_related("product", "lot"))
        )
    )
    return _page(
        request,
        "order_detail.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "email": selectors.order_email_status(order),
            "deliveries": deliveries,
            "line_form": OrderLineForm(supplier=order.supplier) if order.is_editable else None,
            "edit_form": OrderEditForm(
                initial={"expected_on": order.expected_on, "note": order.note}
            )
            if order.is_editable
            else None,
            "can": {state: order.can_become(state) for state in OrderState.values},
            "below_minimum": order.total_cents < order.supplier.minimum_order_cents,
        },
    )


def _order_for_action(request: StoreRequest, order_id: int) -> PurchaseOrder:
    return get_object_or_404(
        PurchaseOrder.objects.select_related("supplier", "store"), pk=order_id, store=request.store
    )


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def order_line_set(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order_for_action(request, order_id)
    form = OrderLineForm(request.POST, supplier=order.supplier)
    if not form.is_valid():
        messages.error(request, _("Choisissez un produit du fournisseur et un nombre de colis."))
    else:
        _act(
            request,
            lambda: services.purchase_order_line_set(
                order=order,
                product=form.cleaned_data["product"],
                packs=form.cleaned_data["packs"],
                actor=request.user,
            ),
            _("Ligne enregistrée."),
        )
    return redirect("purchasing:order_detail", order_id=order.pk)


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def order_update(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order_for_action(request, order_id)
    form = OrderEditForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Date de livraison invalide."))
    else:
        _act(
            request,
            lambda: services.purchase_order_update(
                order=order,
                actor=request.user,
                expected_on=form.cleaned_data["expected_on"],
                note=form.cleaned_data["note"],
            ),
            _("Modifications enregistrées."),
        )
    return redirect("purchasing:order_detail", order_id=order.pk)


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def order_send(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order_for_action(request, order_id)
    done = (
        _("Commande envoyée ; le bon de commande part par e-mail à %(email)s.")
        % {"email": order.supplier.email}
        if order.supplier.email
        else _("Commande marquée envoyée (le fournisseur n'a pas d'e-mail : transmettez le PDF).")
    )
    _act(request, lambda: services.purchase_order_send(order=order, actor=request.user), done)
    return redirect("purchasing:order_detail", order_id=order.pk)


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def order_resend(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order_for_action(request, order_id)
    _act(
        request,
        lambda: services.purchase_order_resend(order=order, actor=request.user),
        _("Le bon de commande va être renvoyé par e-mail."),
    )
    return redirect("purchasing:order_detail", order_id=order.pk)


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def order_email_retry(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order_for_action(request, order_id)
    email = order.emails.order_by("-created_at", "-id").first()
    if email is not None:
        outgoing_email_retry_now(email=email)
        messages.success(request, _("Nouvel essai d'envoi demandé."))
    return redirect("purchasing:order_detail", order_id=order.pk)


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def order_cancel(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order_for_action(request, order_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _act(
        request,
        lambda: services.purchase_order_cancel(order=order, actor=request.user, reason=reason),
        _("Commande annulée."),
    )
    return redirect("purchasing:order_detail", order_id=order.pk)


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def order_close(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order_for_action(request, order_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _act(
        request,
        lambda: services.purchase_order_close(order=order, actor=request.user, reason=reason),
        _("Commande soldée : le reliquat est annulé."),
    )
    return redirect("purchasing:order_detail", order_id=order.pk)


@store_view(Perm.PURCHASING_MANAGE)
def order_pdf(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order_for_action(request, order_id)
    response = HttpResponse(purchase_order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bon-de-commande-{order.reference}.pdf"'
    return response


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def order_receive(request: StoreRequest, order_id: int) -> HttpResponse:
    order = _order(request, order_id)
    if not order.is_receivable:
        messages.error(
            request,
            _("Une commande %(state)s n'attend pas de livraison.")
            % {"state": order.get_state_display()},
        )
        return redirect("purchasing:order_detail", order_id=order.pk)
    lines = list(order.lines.select_related("product"))
    formset = reception_formset(request.store, lines, request.POST or None)
    note_form = DeliveryNoteForm(request.POST or None, prefix="delivery")
    if request.method == "POST" and formset.is_valid() and note_form.is_valid():
        try:
            delivery = receiving.purchase_order_receive(
                order=order,
                actor=request.user,
                lines=formset.received_lines(),
                note=note_form.cleaned_data["note"],
            )
        except ValidationError as error:
            for message in error.messages:
                formset.non_form_errors().append(message)
        else:
            messages.success(request, _("Livraison enregistrée : le stock est à jour."))
            return redirect("purchasing:delivery_detail", delivery_id=delivery.pk)
    return _page(
        request,
        "order_receive.html",
        {"order": order, "formset": formset, "note_form": note_form},
    )


# --- suggestions -----------------------------------------------------------------------------


@store_view(Perm.PURCHASING_MANAGE)
def suggestions(request: StoreRequest) -> HttpResponse:
    try:
        weeks = min(max(int(request.GET.get("semaines", 4)), 1), 26)
    except ValueError:
        weeks = 4
    return _page(
        request,
        "suggestions.html",
        {"suggestions": selectors.reorder_suggestions(request.store, weeks=weeks), "weeks": weeks},
    )


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def suggestion_create(request: StoreRequest, supplier_id: int) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=supplier_id, store=request.store)
    try:
        weeks = min(max(int(request.POST.get("weeks", 4)), 1), 26)
    except ValueError:
        weeks = 4
    try:
        order = services.purchase_order_from_suggestion(
            store=request.store, supplier=supplier, actor=request.user, weeks=weeks
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("purchasing:suggestions")
    messages.success(
        request, _("Brouillon créé : vérifiez les quantités avant d'envoyer la commande.")
    )
    return redirect("purchasing:order_detail", order_id=order.pk)


# --- donations and deliveries ----------------------------------------------------------------


@store_view(Perm.PURCHASING_MANAGE)
def donation_list(request: StoreRequest) -> HttpResponse:
    donations = (
        Delivery.objects.filter(store=request.store, kind=DeliveryKind.DONATION)
        .select_related("supplier", "received_by")
        .prefetch_related("lines")
        .order_by("-received_at", "-id")
    )
    page = Paginator(donations, 50).get_page(request.GET.get("page"))
    return _page(request, "donation_list.html", {"page_obj": page})


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def donation_create(request: StoreRequest) -> HttpResponse:
    form = DonationForm(
        request.POST or None, store=request.store, initial={"donor": request.GET.get("donateur")}
    )
    formset = donation_formset(request.store, request.POST or None)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            delivery = receiving.donation_receive(
                store=request.store,
                donor=form.cleaned_data["donor"],
                actor=request.user,
                lines=formset.received_lines(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Don enregistré : le stock est à jour."))
            return redirect("purchasing:delivery_detail", delivery_id=delivery.pk)
    return _page(request, "donation_form.html", {"form": form, "formset": formset})


@store_view(Perm.PURCHASING_MANAGE)
def delivery_detail(request: StoreRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(
        Delivery.objects.select_related("supplier", "order", "received_by"),
        pk=delivery_id,
        store=request.store,
    )
    lines = delivery.lines.select_related("product", "lot", "order_line__product")
    return _page(request, "delivery_detail.html", {"delivery": delivery, "lines": lines})


# --- traceability ----------------------------------------------------------------------------


@store_view(Perm.PURCHASING_MANAGE)
def product_trace(request: StoreRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id, store=request.store)
    movements = selectors.product_movements(request.store, product)
    page = Paginator(movements, 50).get_page(request.GET.get("page"))
    selectors.attach_document_links(page.object_list)
    return _page(
        request,
        "product_trace.html",
        {
            "product": product,
            "page_obj": page,
            "lots": selectors.product_lots(request.store, product),
            "on_order": selectors.on_order_by_product(request.store, [product.pk]).get(
                product.pk, 0
            ),
        },
    )


@store_view(Perm.PURCHASING_MANAGE)
def lot_trace(request: StoreRequest, lot_id: int) -> HttpResponse:
    lot = get_object_or_404(Lot.objects.select_related("product"), pk=lot_id, store=request.store)
    trace = selectors.lot_trace(request.store, lot)
    selectors.attach_document_links(trace.movements)
    return _page(request, "lot_trace.html", {"lot": lot, "trace": trace})
