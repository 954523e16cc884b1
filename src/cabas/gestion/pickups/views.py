"""Collection pages: the rounds (entered on a phone), donor shops and their rates, the
families, the register (CSV/XLSX) and the yearly donation certificates (PDF)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.pickups import selectors, services
from cabas.gestion.pickups.certificates import certificate_pdf
from cabas.gestion.pickups.forms import (
    CategoryForm,
    CollectionStartForm,
    DonorForm,
    DonorRatesForm,
    LineForm,
)
from cabas.gestion.pickups.models import Collection, CollectionLine, DonorShop, PickupCategory
from cabas.gestion.reports.exports import (
    CSV_CONTENT_TYPE,
    PDF_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    tables_to_csv,
    tables_to_xlsx,
)
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm
from cabas.rules.quantities import format_quantity

SECTION = {"section": "pickups"}
MIN_YEAR, MAX_YEAR = 2000, 2100


def _today(request: StoreRequest) -> date:
    return request.store.today()


def _year(request: StoreRequest) -> int:
    today = _today(request)
    value = request.GET.get("annee", "")
    if value.isdigit() and len(value) == 4 and MIN_YEAR <= int(value) <= MAX_YEAR:
        return int(value)
    return today.year


def _collection(request: StoreRequest, collection_id: int) -> Collection:
    collection = selectors.collection_for(request.store, collection_id)
    if collection is None:
        raise Http404
    return collection


# --- Rounds -----------------------------------------------------------------------------


@store_view(Perm.PURCHASING_MANAGE)
def home(request: StoreRequest) -> HttpResponse:
    store = request.store
    return render(
        request,
        "pickups/home.html",
        {
            **SECTION,
            "collections": selectors.recent_collections(store)[:50],
            "start_form": CollectionStartForm(store=store),
            "has_categories": selectors.store_categories(store, active_only=True).exists(),
            "can_report": request.membership.has_perm(Perm.REPORTS_VIEW),
        },
    )


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def collection_start(request: StoreRequest) -> HttpResponse:
    form = CollectionStartForm(request.POST, store=request.store)
    if form.is_valid():
        try:
            collection = services.collection_start(
                store=request.store, donor=form.cleaned_data["donor"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect("pickups:collection_detail", collection_id=collection.pk)
    else:
        messages.error(request, _("Choisissez le magasin donateur."))
    return redirect("pickups:home")


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def collection_detail(request: StoreRequest, collection_id: int) -> HttpResponse:
    collection = _collection(request, collection_id)
    form = LineForm(request.POST or None, store=request.store, donor=collection.donor)
    if request.method == "POST" and collection.is_draft and form.is_valid():
        try:
            line = services.collection_line_add(
                collection=collection, entry=form.entry(), actor=request.user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if line.weight_grams:
                text = _("Ligne ajoutée : %(family)s, %(weight)s.") % {
                    "family": line.category.name,
                    "weight": _kilos(line.weight_grams),
                }
            else:
                text = _("Ligne ajoutée : %(family)s, %(weight)s refusés.") % {
                    "family": line.category.name,
                    "weight": _kilos(line.refused_grams),
                }
            messages.success(request, text)
            return redirect("pickups:collection_detail", collection_id=collection.pk)
    lines = list(selectors.collection_lines(collection))
    return render(
        request,
        "pickups/collection.html",
        {
            **SECTION,
            "collection": collection,
            "form": form,
            "lines": lines,
            "weight": sum(line.weight_grams for line in lines),
            "refused": sum(line.refused_grams for line in lines),
            "value": sum(line.value_cents for line in lines),
        },
        status=422 if request.method == "POST" else 200,
    )


def _kilos(grams: int) -> str:
    return format_quantity(grams, "kg")


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def line_remove(request: StoreRequest, collection_id: int, line_id: int) -> HttpResponse:
    collection = _collection(request, collection_id)
    line = get_object_or_404(CollectionLine, pk=line_id, collection=collection)
    try:
        services.collection_line_remove(line=line, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ligne supprimée."))
    return redirect("pickups:collection_detail", collection_id=collection.pk)


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def collection_validate(request: StoreRequest, collection_id: int) -> HttpResponse:
    collection = _collection(request, collection_id)
    try:
        services.collection_validate(collection=collection, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ramasse validée : la marchandise acceptée est en stock."))
    return redirect("pickups:collection_detail", collection_id=collection.pk)


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def collection_cancel(request: StoreRequest, collection_id: int) -> HttpResponse:
    collection = _collection(request, collection_id)
    try:
        services.collection_cancel(collection=collection, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ramasse annulée."))
    return redirect("pickups:home")


# --- Donors -----------------------------------------------------------------------------


@store_view(Perm.PURCHASING_MANAGE)
def donor_list(request: StoreRequest) -> HttpResponse:
    return render(
        request,
        "pickups/donor_list.html",
        {**SECTION, "donors": selectors.store_donors(request.store)},
    )


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def donor_create(request: StoreRequest) -> HttpResponse:
    form = DonorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            donor = services.donor_create(
                store=request.store, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Donateur %(name)s ajouté.") % {"name": donor.name})
            return redirect("pickups:donor_edit", donor_id=donor.pk)
    return render(request, "pickups/donor_form.html", {**SECTION, "form": form})


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def donor_edit(request: StoreRequest, donor_id: int) -> HttpResponse:
    donor = get_object_or_404(DonorShop, pk=donor_id, store=request.store)
    categories = list(selectors.store_categories(request.store))
    rates = selectors.donor_rates(donor)
    posted_rates = request.method == "POST" and "rates" in request.POST
    form = DonorForm(
        request.POST if request.method == "POST" and not posted_rates else None, instance=donor
    )
    rates_form = DonorRatesForm(
        request.POST if posted_rates else None,
        categories=categories,
        initial={f"rate_{pk}": cents for pk, cents in rates.items()},
    )
    if posted_rates and rates_form.is_valid():
        try:
            services.donor_rates_set(donor=donor, actor=request.user, rates=rates_form.rates())
        except ValidationError as error:
            apply_validation_error(rates_form, error)
        else:
            messages.success(request, _("Barème enregistré."))
            return redirect("pickups:donor_edit", donor_id=donor.pk)
    elif request.method == "POST" and not posted_rates and form.is_valid():
        try:
            services.donor_update(donor=donor, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Donateur enregistré."))
            return redirect("pickups:donor_edit", donor_id=donor.pk)
    return render(
        request,
        "pickups/donor_form.html",
        {**SECTION, "form": form, "donor": donor, "rates_form": rates_form},
    )


# --- Families ---------------------------------------------------------------------------


@store_view(Perm.PURCHASING_MANAGE)
def category_list(request: StoreRequest) -> HttpResponse:
    return render(
        request,
        "pickups/category_list.html",
        {**SECTION, "categories": selectors.store_categories(request.store)},
    )


@store_view(Perm.PURCHASING_MANAGE)
@require_POST
def category_defaults(request: StoreRequest) -> HttpResponse:
    made = services.pickup_categories_create_defaults(store=request.store, actor=request.user)
    messages.success(request, _("%(count)s familles créées.") % {"count": len(made)})
    return redirect("pickups:category_list")


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def category_create(request: StoreRequest) -> HttpResponse:
    return _category_form(request, None)


@store_view(Perm.PURCHASING_MANAGE)
@require_http_methods(["GET", "POST"])
def category_edit(request: StoreRequest, category_id: int) -> HttpResponse:
    category = get_object_or_404(PickupCategory, pk=category_id, store=request.store)
    return _category_form(request, category)


def _category_form(request: StoreRequest, category: PickupCategory | None) -> HttpResponse:
    form = CategoryForm(request.POST or None, instance=category, store=request.store)
    if request.method == "POST" and form.is_valid():
        try:
            if category is None:
                services.pickup_category_create(
                    store=request.store, actor=request.user, data=form.service_data()
                )
            else:
                services.pickup_category_update(
                    category=category, actor=request.user, data=form.service_data()
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Famille enregistrée."))
            return redirect("pickups:category_list")
    return render(
        request, "pickups/category_form.html", {**SECTION, "form": form, "category": category}
    )


# --- Register and certificates ----------------------------------------------------------


@store_view(Perm.REPORTS_VIEW)
def register(request: StoreRequest) -> HttpResponse:
    store = request.store
    year = _year(request)
    donor = None
    donor_id = request.GET.get("donateur", "")
    if donor_id.isdigit() and len(donor_id) < 19:
        donor = DonorShop.objects.filter(store=store, pk=donor_id).first()
    table = selectors.register_table(store, year=year, donor=donor)
    export = request.GET.get("format", "")
    name = f"registre-ramasses-{year}"
    if export == "csv":
        response = HttpResponse(tables_to_csv([table]), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if export == "xlsx":
        body = tables_to_xlsx([table], heading=f"{store.legal_name or store.name}")
        response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    return render(
        request,
        "pickups/register.html",
        {
            **SECTION,
            "table": table,
            "year": year,
            "years": selectors.collection_years(store, _today(request)),
            "donor": donor,
            "donors": selectors.store_donors(store),
        },
    )


@store_view(Perm.REPORTS_VIEW)
def certificates(request: StoreRequest) -> HttpResponse:
    store = request.store
    year = _year(request)
    return render(
        request,
        "pickups/certificates.html",
        {
            **SECTION,
            "year": year,
            "years": selectors.collection_years(store, _today(request)),
            "donors": selectors.certificates_of_year(store, year),
            "identity_missing": not (store.siren or store.rna) or not store.address,
        },
    )


@store_view(Perm.REPORTS_VIEW)
def certificate(request: StoreRequest, donor_id: int, year: int) -> HttpResponse:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    donor = get_object_or_404(DonorShop, pk=donor_id, store=request.store)
    data = selectors.donor_certificate(request.store, donor, year)
    if not data.collections:
        messages.error(
            request,
            _("Aucune ramasse validée chez %(name)s en %(year)s : pas d'attestation.")
            % {"name": donor.name, "year": year},
        )
        return redirect(f"{reverse('pickups:certificates')}?annee={year}")
    body = certificate_pdf(request.store, data, issued_on=_today(request))
    response = HttpResponse(body, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="attestation-{data.number}.pdf"'
    return response
