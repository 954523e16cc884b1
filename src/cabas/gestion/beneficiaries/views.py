"""Pages of the beneficiaries: the managers' files and the cashiers' look-up.

Cashiers (BENEFICIARIES_LOOKUP only) reach one page, the look-up, which shows a household's
short name, status and budget left and nothing else; every other page needs
BENEFICIARIES_MANAGE. Opening or exporting a full file is logged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.audit.describe import describe
from cabas.gestion.audit.selectors import store_audit_events
from cabas.gestion.beneficiaries import selectors, services
from cabas.gestion.beneficiaries.cards import cards_pdf
from cabas.gestion.beneficiaries.forms import (
    AdmissionForm,
    BudgetForm,
    HouseholdCreateForm,
    HouseholdForm,
    MemberFormSet,
    QuotaForm,
    ReasonForm,
    RenewForm,
    SettingsForm,
    SpendingCorrectionForm,
)
from cabas.gestion.beneficiaries.imports import HouseholdImporter
from cabas.gestion.beneficiaries.models import Household, Quota
from cabas.gestion.beneficiaries.privacy_pdf import household_data_pdf
from cabas.gestion.core.forms import ImportUploadForm, apply_validation_error, parse_pk
from cabas.gestion.imports import import_step, template_csv
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.logos import logo_image
from cabas.gestion.stores.permissions import Perm

SECTION = {"section": "beneficiaries"}
STATUS_LABELS = {
    "active": gettext_lazy("actifs"),
    "suspended": gettext_lazy("suspendus"),
    "expired": gettext_lazy("expirés"),
    "upcoming": gettext_lazy("à venir"),
    "ending": gettext_lazy("fin proche"),
    "all": gettext_lazy("tous"),
}


@dataclass(frozen=True)
class HouseholdRow:
    household: Household
    status: str | None
    left_cents: int = 0
    days_left: int = 0


def _spent(household: Household) -> int:
    """This month's spending, annotated by `selectors.household_list`."""
    return int(getattr(household, "spent_month", 0))


def _can_manage(request: StoreRequest) -> bool:
    return request.membership.has_perm(Perm.BENEFICIARIES_MANAGE)


def _form_page(
    request: StoreRequest,
    form: forms.BaseForm,
    save: Callable[[], object],
    *,
    success: str,
    redirect_to: str,
    template: str = "beneficiaries/simple_form.html",
    **context: object,
) -> HttpResponse:
    """The shape of the pages that edit a file: a valid POST calls one service (``save``);
    its ValidationError shows on the form, else a success message and a redirect. Otherwise
    the form is shown again, with ``context``."""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, success)
            return redirect(redirect_to)
    return render(request, template, {**SECTION, "form": form, **context})


@store_view(Perm.BENEFICIARIES_LOOKUP)
def household_list(request: StoreRequest) -> HttpResponse:
    """Managers: the list of households. Cashiers: the look-up (code or name → short name,
    status, budget left this month)."""
    store = request.store
    today, month = store.today(), selectors.current_month(store)
    query = request.GET.get("q", "").strip()[:100]
    if not _can_manage(request):
        results = []
        if query:
            for household in selectors.household_list(store, today=today, month=month, query=query)[
                :20
            ]:
                results.append(
                    {
                        "label": household.label,
                        "status": household.status_on(today),
                        "left_cents": household.monthly_budget_cents - _spent(household),
                        "budget_cents": household.monthly_budget_cents,
                    }
                )
        return render(
            request,
            "beneficiaries/lookup.html",
            {**SECTION, "query": query, "results": results, "month": month},
        )
    status = request.GET.get("status", "active")
    if status not in selectors.STATUS_FILTERS:
        status = "active"
    notice_to_sign = request.GET.get("notice") == "a-signer"
    households = selectors.household_list(
        store, today=today, month=month, status=status, query=query, notice_to_sign=notice_to_sign
    )
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    rows = [HouseholdRow(h, h.status_on(today), h.monthly_budget_cents - _spent(h)) for h in page]
    return render(
        request,
        "beneficiaries/list.html",
        {
            **SECTION,
            "page": page,
            "rows": rows,
            "query": query,
            "status": status,
            "month": month,
            "statuses": STATUS_LABELS,
            "notice_to_sign": notice_to_sign,
            "notices_to_sign": selectors.households_notice_to_sign(store).count(),
        },
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def household_create(request: StoreRequest) -> HttpResponse:
    store = request.store
    settings_ = selectors.beneficiary_settings(store)
    form = HouseholdCreateForm(request.POST or None, initial={"start": store.today()}, store=store)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in HouseholdForm.Meta.fields}
        if form.cleaned_data["monthly_budget_cents"] is not None:
            data["monthly_budget_cents"] = form.cleaned_data["monthly_budget_cents"]
        try:
            household = services.household_register(
                store=store,
                actor=request.user,
                data=data,
                start=form.cleaned_data["start"],
                months=form.cleaned_data["months"],
                privacy_accepted=form.cleaned_data["privacy_accepted"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Foyer %(label)s enregistré.") % {"label": household})
            return redirect("beneficiaries:detail", pk=household.pk)
    return render(
        request,
        "beneficiaries/form.html",
        {
            **SECTION,
            "form": form,
            "title": _("Nouveau foyer"),
            "notice": settings_.notice_text,
            "scale": settings_.scale,
        },
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
def household_detail(request: StoreRequest, pk: int) -> HttpResponse:
    store = request.store
    household = selectors.household_file(store, pk)
    services.household_access_log(household=household, user=request.user)
    today, month = store.today(), selectors.current_month(store)
    settings_ = selectors.beneficiary_settings(store)
    state = selectors.household_budget_state(household, month)
    reste = household.reste_a_vivre_cents
    return render(
        request,
        "beneficiaries/detail.html",
        {
            **SECTION,
            "household": household,
            "status": household.status_on(today),
            "today": today,
            "month": month,
            "state": state,
            "proposed_budget": settings_.scale.proposed_budget_cents(
                household.adults, household.children
            ),
            "reste": reste,
            "threshold": settings_.reste_a_vivre_threshold_cents,
            "below_threshold": reste is not None
            and reste < settings_.reste_a_vivre_threshold_cents,
            "members": list(household.members.all()),
            "periods": list(household.periods.select_related("created_by")),
            "history": selectors.household_spending_history(household),
            "accesses": list(household.accesses.select_related("user")[:20]),
            "events": [
                describe(event)
                for event in store_audit_events(store).filter(
                    target_type="beneficiaries.household", target_id=str(household.pk)
                )[:20]
            ],
            "renew_form": RenewForm(),
            "suspend_form": ReasonForm(),
            "tariff_rate": household.rate_bp
            if household.rate_bp is not None
            else settings_.shop_rate_bp,
        },
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def household_edit(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    if request.method == "GET":
        services.household_access_log(household=household, user=request.user, action="edit")
    form = HouseholdForm(request.POST or None, instance=household)
    if household.members.exists():
        # The counts follow the members' details when they are recorded.
        form.fields["adults"].disabled = form.fields["children"].disabled = True

    def save() -> None:
        data = {
            k: form.cleaned_data[k]
            for k in HouseholdForm.Meta.fields
            if not form.fields[k].disabled
        }
        household.refresh_from_db()
        services.household_update(household=household, actor=request.user, data=data)

    return _form_page(
        request,
        form,
        save,
        success=_("Modifications enregistrées."),
        redirect_to=reverse("beneficiaries:detail", args=[household.pk]),
        template="beneficiaries/form.html",
        household=household,
        title=household.label,
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def household_members(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    initial = [
        {"first_name": m.first_name, "birth_date": m.birth_date, "is_adult": m.is_adult}
        for m in household.members.all()
    ]
    formset = MemberFormSet(request.POST or None, initial=initial, prefix="m")
    if request.method == "POST" and formset.is_valid():
        members = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.household_members_set(household=household, actor=request.user, members=members)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Composition du foyer enregistrée."))
            return redirect("beneficiaries:detail", pk=household.pk)
    return render(
        request,
        "beneficiaries/members.html",
        {**SECTION, "formset": formset, "household": household},
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def rights_admit(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    form = AdmissionForm(
        request.POST or None,
        initial={"start": request.store.today()},
        store=request.store,
    )

    def save() -> None:
        services.rights_admit(
            household=household,
            actor=request.user,
            start=form.cleaned_data["start"],
            months=form.cleaned_data["months"],
        )

    return _form_page(
        request,
        form,
        save,
        success=_("Droits ouverts."),
        redirect_to=reverse("beneficiaries:detail", args=[household.pk]),
        household=household,
        title=_("Ouvrir des droits"),
    )


def _rights_action(request: StoreRequest, pk: int, action: str) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    today = request.store.today()
    try:
        if action == "renew":
            form = RenewForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choisissez une durée."))
            services.rights_renew(
                household=household,
                actor=request.user,
                months=form.cleaned_data["months"],
                today=today,
            )
            messages.success(request, _("Droits renouvelés."))
        elif action == "suspend":
            services.rights_suspend(
                household=household,
                actor=request.user,
                reason=request.POST.get("reason", ""),
                today=today,
            )
            messages.success(request, _("Droits suspendus."))
        else:
            services.rights_resume(household=household, actor=request.user, today=today)
            messages.success(request, _("Droits repris."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("beneficiaries:detail", pk=household.pk)


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_POST
def rights_renew(request: StoreRequest, pk: int) -> HttpResponse:
    return _rights_action(request, pk, "renew")


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_POST
def rights_suspend(request: StoreRequest, pk: int) -> HttpResponse:
    return _rights_action(request, pk, "suspend")


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_POST
def rights_resume(request: StoreRequest, pk: int) -> HttpResponse:
    return _rights_action(request, pk, "resume")


@store_view(Perm.BENEFICIARIES_MANAGE)
def rights_ending(request: StoreRequest) -> HttpResponse:
    try:
        days = max(1, min(int(request.GET.get("days", 30)), 365))
    except ValueError:
        days = 30
    today = request.store.today()
    households = [
        HouseholdRow(h, h.status_on(today), days_left=(h.rights_end - today).days)
        for h in selectors.households_ending(request.store, today=today, days=days)
        if h.rights_end is not None
    ]
    return render(
        request,
        "beneficiaries/ending.html",
        {
            **SECTION,
            "households": households,
            "days": days,
            "renew_form": RenewForm(),
        },
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def household_budget(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    scale = selectors.beneficiary_settings(request.store).scale
    proposed = scale.proposed_budget_cents(household.adults, household.children)
    form = BudgetForm(
        request.POST or None, initial={"monthly_budget_cents": household.monthly_budget_cents}
    )
    return _form_page(
        request,
        form,
        lambda: services.household_set_budget(
            household=household,
            actor=request.user,
            monthly_budget_cents=form.cleaned_data["monthly_budget_cents"],
            reason=form.cleaned_data["reason"],
        ),
        success=_("Budget mensuel enregistré."),
        redirect_to=reverse("beneficiaries:detail", args=[household.pk]),
        household=household,
        title=_("Budget mensuel"),
        proposed=proposed,
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def spending_correct(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    form = SpendingCorrectionForm(
        request.POST or None, initial={"month": selectors.current_month(request.store)}
    )
    return _form_page(
        request,
        form,
        lambda: services.spending_correct(
            household=household, actor=request.user, **form.cleaned_data
        ),
        success=_("Correction enregistrée."),
        redirect_to=reverse("beneficiaries:detail", args=[household.pk]),
        household=household,
        title=_("Corriger les dépenses d'un mois"),
    )


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@store_view(Perm.BENEFICIARIES_MANAGE)
def household_card(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    pdf = cards_pdf(
        request.store.name,
        [(household.label, household.code)],
        logo=logo_image(request.store),
    )
    return _pdf_response(pdf, f"carte-{household.pk}.pdf")


@store_view(Perm.BENEFICIARIES_MANAGE)
def cards_print(request: StoreRequest) -> HttpResponse:
    """The cards of the chosen households (`?id=1&id=2`), else of every household in force."""
    store = request.store
    ids = [pk for pk in map(parse_pk, request.GET.getlist("id")) if pk is not None]
    today, month = store.today(), selectors.current_month(store)
    households = selectors.household_list(
        store, today=today, month=month, status="all" if ids else "active"
    )
    if ids:
        households = households.filter(pk__in=ids)
    pdf = cards_pdf(
        store.name, list(households.values_list("label", "code")), logo=logo_image(store)
    )
    return _pdf_response(pdf, "cartes.pdf")


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_POST
def card_reissue(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    try:
        services.household_card_reissue(
            household=household, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Nouvelle carte émise : l'ancienne ne fonctionne plus."))
    return redirect("beneficiaries:detail", pk=household.pk)


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def household_privacy(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    if request.method == "POST":
        services.household_privacy_accept(household=household, actor=request.user)
        messages.success(request, _("Acceptation de la notice enregistrée."))
        return redirect("beneficiaries:detail", pk=household.pk)
    notice = selectors.beneficiary_settings(request.store).notice_text
    return render(
        request, "beneficiaries/privacy.html", {**SECTION, "household": household, "notice": notice}
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
def household_export(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    services.household_access_log(household=household, user=request.user, action="export")
    body = json.dumps(selectors.household_export(household), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="foyer-{household.pk}.json"'
    return response


@store_view(Perm.BENEFICIARIES_MANAGE)
def household_export_pdf(request: StoreRequest, pk: int) -> HttpResponse:
    """The same export, as « Vos données », a PDF in French the household can read."""
    household = selectors.household_file(request.store, pk)
    services.household_access_log(household=household, user=request.user, action="export")
    response = HttpResponse(household_data_pdf(household), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vos-donnees-{household.pk}.pdf"'
    return response


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def beneficiary_settings(request: StoreRequest) -> HttpResponse:
    store = request.store
    current = selectors.beneficiary_settings(store)
    scale = current.scale
    table = scale.base_cents_by_adults
    form = SettingsForm(
        request.POST or None,
        initial={
            "shop_rate_bp": current.shop_rate_bp,
            "scale_one": table.get(1),
            "scale_two": table.get(2, table[1]),
            "per_extra_adult_cents": scale.per_extra_adult_cents,
            "per_child_cents": scale.per_child_cents,
            "reste_a_vivre_threshold_cents": current.reste_a_vivre_threshold_cents,
            "anonymisation_months": current.anonymisation_months,
            "privacy_notice": current.privacy_notice,
        },
        programmes=selectors.programme_codes(store),
        ceilings=current.origin_ceilings_bp or {},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.beneficiary_settings_update(
                store=store,
                actor=request.user,
                data={
                    "shop_rate_bp": data["shop_rate_bp"],
                    "budget_scale": form.scale(),
                    "origin_ceilings_bp": form.ceilings(),
                    "reste_a_vivre_threshold_cents": data["reste_a_vivre_threshold_cents"],
                    "anonymisation_months": data["anonymisation_months"],
                    "privacy_notice": data["privacy_notice"],
                },
            )
        except (ValidationError, ValueError) as error:
            apply_validation_error(
                form, ValidationError(str(error)) if isinstance(error, ValueError) else error
            )
        else:
            messages.success(request, _("Réglages enregistrés."))
            return redirect("beneficiaries:settings")
    return render(request, "beneficiaries/settings.html", {**SECTION, "form": form})


@store_view(Perm.BENEFICIARIES_MANAGE)
def quota_list(request: StoreRequest) -> HttpResponse:
    quotas = Quota.objects.filter(store=request.store).select_related(
        "product", "category", "category__parent"
    )
    return render(request, "beneficiaries/quotas.html", {**SECTION, "quotas": quotas})


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def quota_edit(request: StoreRequest, pk: int | None = None) -> HttpResponse:
    quota = get_object_or_404(Quota, pk=pk, store=request.store) if pk else None
    form = QuotaForm(request.POST or None, store=request.store, quota=quota)
    return _form_page(
        request,
        form,
        lambda: services.quota_save(
            store=request.store,
            actor=request.user,
            data=form.service_data(),
            quota=quota,
        ),
        success=_("Quota enregistré."),
        redirect_to="beneficiaries:quotas",
        title=_("Quota"),
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_POST
def quota_delete(request: StoreRequest, pk: int) -> HttpResponse:
    quota = get_object_or_404(Quota, pk=pk, store=request.store)
    services.quota_delete(quota=quota, actor=request.user)
    messages.success(request, _("Quota supprimé."))
    return redirect("beneficiaries:quotas")


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def household_import(request: StoreRequest) -> HttpResponse:
    importer = HouseholdImporter(store=request.store, actor=request.user)
    step = import_step(request, importer)
    if step.applied is not None:
        messages.success(request, _("%(n)d foyer(s) importé(s).") % {"n": step.applied})
        return redirect("beneficiaries:list")
    if step.cancelled:
        messages.info(request, _("Import abandonné : rien n'a changé."))
    if step.error:
        messages.error(request, step.error)
    return render(
        request,
        "beneficiaries/import.html",
        {
            **SECTION,
            "step": step,
            "columns": importer.columns,
            "form": ImportUploadForm(
                help_text=_("Une ligne par foyer, 2 Mo et 5 000 lignes au plus.")
            ),
        },
    )


@store_view(Perm.BENEFICIARIES_MANAGE)
def household_import_template(request: StoreRequest) -> HttpResponse:
    importer = HouseholdImporter(store=request.store, actor=request.user)
    response = HttpResponse("\ufeff" + template_csv(importer), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="foyers.csv"'
    return response


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_POST
def household_erase(request: StoreRequest, pk: int) -> HttpResponse:
    """Anonymise now, at the household's request (right to erasure), once its rights are over."""
    household = selectors.household_file(request.store, pk)
    today = request.store.today()
    if household.status_on(today) in ("active", "suspended", "upcoming"):
        messages.error(
            request,
            _("Ce foyer a des droits en cours : ils doivent être terminés avant de l'anonymiser."),
        )
        return redirect("beneficiaries:detail", pk=household.pk)
    if request.POST.get("confirm") != "ANONYMISER":
        messages.error(request, _("Tapez ANONYMISER pour confirmer."))
        return redirect("beneficiaries:detail", pk=household.pk)
    services.household_anonymise(household=household, actor=request.user)
    messages.success(request, _("Le foyer a été anonymisé."))
    return redirect("beneficiaries:list")
