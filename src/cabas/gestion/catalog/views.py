"""Pages of the catalogue: products, barcodes, rayons, the generic catalogue, labels,
spreadsheet import and export."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion import imports
from cabas.gestion.catalog import services, spreadsheets
from cabas.gestion.catalog.forms import (
    ActivationForm,
    BarcodeForm,
    CatalogSettingsForm,
    CategoryForm,
    ProductCreateForm,
    ProductFilterForm,
    ProductForm,
)
from cabas.gestion.catalog.generic import generic_paths, generic_rayons
from cabas.gestion.catalog.labels import (
    DEFAULT_FORMAT,
    FORMATS,
    MAX_COPIES,
    labels_pdf,
    participation_prices,
)
from cabas.gestion.catalog.models import Barcode, Category, Product
from cabas.gestion.catalog.selectors import (
    categories_tree,
    product_detail,
    product_search,
)
from cabas.gestion.catalog.templatetags.catalog import stock_display
from cabas.gestion.core.forms import ImportUploadForm, apply_validation_error, parse_pk
from cabas.gestion.core.models import PendingImport
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm
from cabas.rules.money import format_euros

PAGE_SIZE = 50
SECTION = {"section": "catalog"}


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, so that it shows its errors), else None."""
    return request.POST if request.method == "POST" else None


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _can_manage(request: StoreRequest) -> bool:
    return request.membership.has_perm(Perm.CATALOG_MANAGE)


# --- products -----------------------------------------------------------------------------


@store_view(Perm.CATALOG_VIEW)
def product_list(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = ProductFilterForm(request.GET or None, store=store)
    filters: dict[str, Any] = {}
    query = ""
    if form.is_valid():
        data = form.cleaned_data
        query = data["q"]
        category_id = data.get("category")
        filters = {
            "category": Category.objects.filter(store=store, pk=category_id).first()
            if category_id
            else None,
            "origin": data["origin"],
            "status": data["status"] or "active",
            "below_minimum": data["below_minimum"],
        }
    products = product_search(store, query, **filters)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        **SECTION,
        "form": form,
        "page": page,
        "rows": product_rows(page.object_list),
        "category_choices": form.category_choices,
        "selected_category": getattr(filters.get("category"), "pk", None),
        "can_manage": _can_manage(request),
        "label_formats": FORMATS.values(),
        "label_max_copies": MAX_COPIES,
        "catalogue_empty": not page.paginator.count
        and not Product.objects.filter(store=store).exists(),
    }
    if _htmx(request):
        return render(request, "catalog/_product_results.html", context)
    return render(request, "catalog/product_list.html", context)


@dataclass(frozen=True)
class ProductRow:
    """A line of the product list, its texts made once in Python: the list renders 50 of them
    and template lookups, {% url %} and number localisation per cell add up."""

    pk: str
    url: str
    name: str
    brand: str
    category: str
    price: str
    per_kilo: bool
    stock: str
    low_stock: bool
    origin: str
    active: bool


def product_rows(products: Iterable[Product]) -> list[ProductRow]:
    base = reverse("catalog:product_detail", kwargs={"product_id": 0})[: -len("0/")]
    return [
        ProductRow(
            pk=str(p.pk),
            url=f"{base}{p.pk}/",
            name=p.name,
            brand=p.brand,
            category=str(p.category),
            price=format_euros(p.price_cents),
            per_kilo=p.unit == "kg",
            stock=stock_display(p),
            low_stock=p.min_stock is not None and p.stock_qty < p.min_stock,
            origin=f"{p.get_origin_display()} ({p.programme})"
            if p.programme
            else str(p.get_origin_display()),
            active=p.active,
        )
        for p in products
    ]


def _stock_panel(product: Product) -> Any:
    """The stock app's panel for the product page, if that app is installed.

    Contract with cabas.gestion.stock: ``stock.selectors.product_stock_panel(product)`` returns
    the context of the template ``stock/_product_panel.html`` (lots, movement history…), which
    the product page includes as ``{% include "stock/_product_panel.html" %}`` with
    ``stock_panel`` set to that value.
    """
    if not apps.is_installed("cabas.gestion.stock"):
        return None
    try:
        selectors = importlib.import_module("cabas.gestion.stock.selectors")
    except ImportError:
        return None
    panel = getattr(selectors, "product_stock_panel", None)
    return panel(product) if panel is not None else None


def _product_or_404(request: StoreRequest, product_id: int) -> Product:
    try:
        return product_detail(request.store, product_id)
    except Product.DoesNotExist as error:
        raise Http404 from error


@store_view(Perm.CATALOG_VIEW)
def product_view(request: StoreRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(request, product_id)
    return render(
        request,
        "catalog/product_detail.html",
        {
            **SECTION,
            "product": product,
            "barcodes": product.barcodes.all(),
            "barcode_form": BarcodeForm(),
            "can_manage": _can_manage(request),
            "stock_panel": _stock_panel(product),
        },
    )


@store_view(Perm.CATALOG_MANAGE)
@require_http_methods(["GET", "POST"])
def product_create(request: StoreRequest) -> HttpResponse:
    store = request.store
    initial = {}
    if request.GET.get("barcode"):
        initial["barcode"] = request.GET["barcode"][:32]
    form = ProductCreateForm(_posted(request), store=store, initial=initial)
    if not Category.objects.filter(store=store).exists():
        messages.info(request, _("Créez d'abord un rayon, ou ajoutez le catalogue générique."))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        barcode = data.pop("barcode")
        try:
            product = services.product_create(
                store=store, actor=request.user, barcodes=[barcode] if barcode else [], **data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
            if "code" in getattr(error, "error_dict", {}):
                form.add_error("barcode", error.error_dict["code"])
        else:
            messages.success(request, _("Produit « %(name)s » créé.") % {"name": product.name})
            return redirect("catalog:product_detail", product_id=product.pk)
    return render(request, "catalog/product_form.html", {**SECTION, "form": form})


@store_view(Perm.CATALOG_MANAGE)
@require_http_methods(["GET", "POST"])
def product_edit(request: StoreRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(request, product_id)
    form = ProductForm(
        _posted(request),
        store=request.store,
        initial=ProductForm.initial_for(product),
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in services.PRODUCT_FIELDS}
        try:
            services.product_update(product=product, actor=request.user, data=data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Produit enregistré."))
            return redirect("catalog:product_detail", product_id=product.pk)
    return render(
        request, "catalog/product_form.html", {**SECTION, "form": form, "product": product}
    )


@store_view(Perm.CATALOG_MANAGE)
@require_POST
def product_archive(request: StoreRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(request, product_id)
    services.product_archive(product=product, actor=request.user)
    messages.success(request, _("Produit archivé : la caisse ne le propose plus."))
    return redirect("catalog:product_detail", product_id=product.pk)


@store_view(Perm.CATALOG_MANAGE)
@require_POST
def product_restore(request: StoreRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(request, product_id)
    services.product_restore(product=product, actor=request.user)
    messages.success(request, _("Produit de nouveau actif."))
    return redirect("catalog:product_detail", product_id=product.pk)


# --- barcodes -----------------------------------------------------------------------------


def _barcodes_panel(
    request: StoreRequest, product: Product, form: BarcodeForm, added: str = ""
) -> HttpResponse:
    return render(
        request,
        "catalog/_barcodes.html",
        {
            "product": product,
            "barcodes": product.barcodes.all(),
            "barcode_form": form,
            "can_manage": True,
            "added": added,
        },
    )


@store_view(Perm.CATALOG_MANAGE)
@require_POST
def barcode_add(request: StoreRequest, product_id: int) -> HttpResponse:
    """The scan field of the product page: a USB scanner types the code and Enter."""
    product = _product_or_404(request, product_id)
    form = BarcodeForm(request.POST)
    if form.is_valid():
        try:
            barcode = services.barcode_attach(
                product=product, code=form.cleaned_data["code"], actor=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if not _htmx(request):
                messages.success(request, _("Code-barres %(code)s ajouté.") % {"code": barcode})
                return redirect("catalog:product_detail", product_id=product.pk)
            product = _product_or_404(request, product_id)
            return _barcodes_panel(request, product, BarcodeForm(), added=barcode.code)
    if _htmx(request):
        # 200 so that htmx swaps the panel in with the form's French error.
        return _barcodes_panel(request, product, form)
    for message in form.errors.get("code", []):
        messages.error(request, str(message))
    return redirect("catalog:product_detail", product_id=product.pk)


@store_view(Perm.CATALOG_MANAGE)
@require_POST
def barcode_remove(request: StoreRequest, product_id: int, barcode_id: int) -> HttpResponse:
    product = _product_or_404(request, product_id)
    barcode = Barcode.objects.filter(pk=barcode_id, product=product).first()
    if barcode is None:  # already removed (a double click, another person)
        messages.info(request, _("Ce code-barres a déjà été retiré."))
        return redirect("catalog:product_detail", product_id=product.pk)
    services.barcode_detach(barcode=barcode, actor=request.user)
    messages.success(request, _("Code-barres %(code)s retiré.") % {"code": barcode.code})
    return redirect("catalog:product_detail", product_id=product.pk)


@store_view(Perm.CATALOG_MANAGE)
@require_POST
def internal_code(request: StoreRequest, product_id: int) -> HttpResponse:
    product = _product_or_404(request, product_id)
    barcode = services.product_assign_internal_code(product=product, actor=request.user)
    messages.success(request, _("Code interne %(code)s attribué.") % {"code": barcode.code})
    return redirect("catalog:product_detail", product_id=product.pk)


@store_view(Perm.CATALOG_MANAGE)
@require_POST
def labels(request: StoreRequest) -> HttpResponse:
    """Shelf labels (PDF) of the chosen products; those without a barcode get an internal
    code first, so that every label can be scanned."""
    store = request.store
    ids = [pk for pk in map(parse_pk, request.POST.getlist("products")) if pk is not None]
    fmt = FORMATS.get(request.POST.get("format", ""), FORMATS[DEFAULT_FORMAT])
    skip = _bounded_int(request.POST.get("skip"), low=0, high=fmt.per_page - 1, default=0)
    copies = _bounded_int(request.POST.get("copies"), low=1, high=MAX_COPIES, default=1)
    products = list(
        Product.objects.filter(store=store, pk__in=ids[:1000])
        .prefetch_related("barcodes")
        .order_by("category__position", "name")
    )
    if not products:
        messages.error(request, _("Cochez au moins un produit pour imprimer ses étiquettes."))
        return redirect("catalog:product_list")
    without_code = [p for p in products if not p.barcodes.all()]
    for product in without_code:
        services.product_assign_internal_code(product=product, actor=request.user)
    if without_code:
        products = list(
            Product.objects.filter(pk__in=[p.pk for p in products])
            .prefetch_related("barcodes")
            .order_by("category__position", "name")
        )
    pdf = labels_pdf(
        products,
        skip=skip,
        title=_("Étiquettes de rayon"),
        fmt=fmt,
        copies=copies,
        participation=participation_prices(store, products),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="etiquettes.pdf"'
    return response


# --- rayons -------------------------------------------------------------------------------


def _bounded_int(value: str | None, *, low: int, high: int, default: int) -> int:
    """A small integer typed in a form, kept within ``low..high`` (blank or junk: ``default``)."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return default
    return max(low, min(high, int(text)))


@store_view(Perm.CATALOG_VIEW)
def category_list(request: StoreRequest) -> HttpResponse:
    store = request.store
    from django.db.models import Count, Q

    counts = dict(
        Category.objects.filter(store=store)
        .annotate(n=Count("products", filter=Q(products__active=True)))
        .values_list("pk", "n")
    )
    return render(
        request,
        "catalog/category_list.html",
        {
            **SECTION,
            "tree": categories_tree(store),
            "counts": counts,
            "can_manage": _can_manage(request),
        },
    )


@store_view(Perm.CATALOG_MANAGE)
@require_http_methods(["GET", "POST"])
def category_create(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = CategoryForm(_posted(request), store=store)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            category = services.category_create(
                store=store,
                name=data["name"],
                parent=data["parent"],
                position=data["position"],
                rate_bp=data["rate_bp"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Rayon « %(name)s » créé.") % {"name": category.name})
            return redirect("catalog:category_list")
    return render(request, "catalog/category_form.html", {**SECTION, "form": form})


@store_view(Perm.CATALOG_MANAGE)
@require_http_methods(["GET", "POST"])
def category_edit(request: StoreRequest, category_id: int) -> HttpResponse:
    store = request.store
    category = get_object_or_404(Category, pk=category_id, store=store)
    form = CategoryForm(
        _posted(request),
        store=store,
        exclude=category,
        initial={
            "name": category.name,
            "parent": category.parent_id,
            "position": category.position,
            "rate_bp": category.rate_bp,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.category_update(
                category=category,
                actor=request.user,
                name=data["name"],
                parent=data["parent"],
                position=data["position"] or 0,
                rate_bp=data["rate_bp"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Rayon enregistré."))
            return redirect("catalog:category_list")
    return render(
        request, "catalog/category_form.html", {**SECTION, "form": form, "category": category}
    )


@store_view(Perm.CATALOG_MANAGE)
@require_POST
def category_delete(request: StoreRequest, category_id: int) -> HttpResponse:
    category = Category.objects.filter(pk=category_id, store=request.store).first()
    if category is None:  # already deleted (a double click, another person)
        messages.info(request, _("Ce rayon a déjà été supprimé."))
        return redirect("catalog:category_list")
    try:
        services.category_delete(category=category, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Rayon supprimé."))
    return redirect("catalog:category_list")


# --- generic catalogue --------------------------------------------------------------------


@store_view(Perm.CATALOG_MANAGE)
@require_http_methods(["GET", "POST"])
def catalogue_activate(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = ActivationForm(_posted(request), paths=generic_paths())
    if request.method == "POST" and form.is_valid():
        try:
            result = services.catalogue_activate(
                store=store, categories=form.cleaned_data["categories"], actor=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if result.products_created:
                messages.success(
                    request,
                    _("%(n)d produits ajoutés au catalogue de l'épicerie (%(c)d rayons créés).")
                    % {"n": result.products_created, "c": result.categories_created},
                )
            else:
                messages.info(
                    request, _("Ces produits sont déjà dans votre catalogue : rien n'a changé.")
                )
            return redirect("catalog:product_list")
    activated = set(
        Product.objects.filter(store=store, catalogue_key__isnull=False).values_list(
            "catalogue_key", flat=True
        )
    )
    return render(
        request,
        "catalog/catalogue_activate.html",
        {**SECTION, "form": form, "rayons": generic_rayons(), "activated_count": len(activated)},
    )


# --- import / export ----------------------------------------------------------------------


@store_view(Perm.CATALOG_VIEW)
def export(request: StoreRequest, fmt: str) -> HttpResponse:
    store = request.store
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":
        response = HttpResponse(spreadsheets.export_csv(store), content_type="text/csv")
    elif fmt == "xlsx":
        response = HttpResponse(
            spreadsheets.export_xlsx(store),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="produits-{store.slug}-{stamp}.{fmt}"'
    return response


@store_view(Perm.CATALOG_MANAGE)
@require_http_methods(["GET", "POST"])
def import_upload(request: StoreRequest) -> HttpResponse:
    form = ImportUploadForm(
        _posted(request),
        request.FILES or None,
        help_text=_("Le format de l'export : une ligne par produit, 2 Mo et 5 000 lignes au plus."),
    )
    if request.method == "POST" and form.is_valid():
        try:
            pending = imports.upload(request, _importer(request))
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            return redirect("catalog:import_preview", import_id=pending.pk)
    return render(
        request,
        "catalog/import_upload.html",
        {**SECTION, "form": form, "columns": spreadsheets.COLUMNS},
    )


def _importer(request: StoreRequest) -> spreadsheets.ProductImporter:
    return spreadsheets.ProductImporter(store=request.store, actor=request.user)


def _shop_import(request: StoreRequest, import_id: int) -> tuple[Any, PendingImport]:
    importer = _importer(request)
    pending = imports.pending_import_get(importer, import_id)
    if pending is None:  # another shop's, or no such import
        raise Http404
    return importer, pending


@store_view(Perm.CATALOG_MANAGE)
def import_preview(request: StoreRequest, import_id: int) -> HttpResponse:
    importer, pending = _shop_import(request, import_id)
    if pending.status != PendingImport.Status.PENDING:
        messages.info(request, _("Cet import a déjà été appliqué ou abandonné."))
        return redirect("catalog:product_list")
    return render(
        request,
        "catalog/import_preview.html",
        {
            **SECTION,
            "pending": pending,
            "preview": imports.preview(importer, pending.rows),
            "confirm_url": reverse("catalog:import_confirm", args=[pending.pk]),
        },
    )


@store_view(Perm.CATALOG_MANAGE)
@require_POST
def import_confirm(request: StoreRequest, import_id: int) -> HttpResponse:
    importer, pending = _shop_import(request, import_id)
    step = imports.confirm(request, importer, pending)
    if step.applied is not None:
        messages.success(
            request,
            ngettext(
                "%(n)d produit créé ou modifié.", "%(n)d produits créés ou modifiés.", step.applied
            )
            % {"n": step.applied},
        )
    elif step.cancelled:
        messages.info(request, _("Import abandonné : rien n'a changé."))
    elif step.error:
        messages.error(request, step.error)
    if step.pending is not None:  # still waiting: back to its preview
        return redirect("catalog:import_preview", import_id=pending.pk)
    return redirect("catalog:product_list")


# --- settings -----------------------------------------------------------------------------


@store_view(Perm.CATALOG_MANAGE)
@require_http_methods(["GET", "POST"])
def catalog_settings(request: StoreRequest) -> HttpResponse:
    store = request.store
    current = services.catalog_settings_get_or_create(store=store)
    form = CatalogSettingsForm(_posted(request), instance_settings=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.catalog_settings_update(
                store=store,
                actor=request.user,
                scale_layout=form.layout_dict(),
                store_number=form.cleaned_data["store_number"],
                max_entry_pieces=form.cleaned_data["max_entry_pieces"],
                max_entry_grams=form.cleaned_data["max_entry_grams"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Réglages du catalogue enregistrés."))
            return redirect("catalog:settings")
    return render(request, "catalog/settings.html", {**SECTION, "form": form})
