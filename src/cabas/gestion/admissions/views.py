"""Pages of admissions.

The referral form a partner's link opens needs no account: the link's signed token says which
shop and which partner service; the sends are limited per address; after sending, the page
shows the reference and nothing else. Every other page needs ADMISSIONS_MANAGE (managers):
cashiers and stock managers see no referral. Opening a referral is audited.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.admissions import selectors, services
from cabas.gestion.admissions.forms import (
    AdmissionSettingsForm,
    DecisionForm,
    PartnerLinkForm,
    ReferralForm,
    SessionForm,
)
from cabas.gestion.admissions.minutes import minutes_pdf
from cabas.gestion.admissions.models import Decision, PartnerLink, Referral
from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.core.throttle import throttle_hit
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm

SECTION = {"section": "admissions"}
THROTTLE_SECONDS = 60


# --- The partner's form (no account) ----------------------------------------------------------


def _link_or_page(
    request: HttpRequest, token: str
) -> tuple[PartnerLink | None, HttpResponse | None]:
    try:
        return services.partner_link_for_token(token[:300]), None
    except services.LinkInvalidError as error:
        page = render(request, "admissions/link_invalid.html", {"message": str(error)}, status=404)
        return None, page


@require_http_methods(["GET", "POST"])
def referral_public(request: HttpRequest, token: str) -> HttpResponse:
    link, refused = _link_or_page(request, token)
    if refused is not None:
        return refused
    assert link is not None
    store = link.store
    questions = selectors.admission_settings(store).questions
    if request.method == "POST":
        retry_after = throttle_hit(
            scope="referral",
            request=request,
            limit=settings.CABAS_THROTTLE_REFERRALS_PER_MINUTE,
            per_seconds=THROTTLE_SECONDS,
        )
        if retry_after is not None:
            response = render(
                request,
                "admissions/throttled.html",
                {"minutes": max(1, math.ceil(retry_after / 60)), "store": store},
                status=429,
            )
            response["Retry-After"] = str(retry_after)
            return response
    form = ReferralForm(request.POST or None, questions=questions, partner=link)
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_submit(
                link=link,
                data=form.referral_data(),
                answers=form.answers(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("admissions:sent", token=token, reference=referral.reference)
    return render(
        request, "admissions/public_form.html", {"form": form, "link": link, "store": store}
    )


def referral_sent(request: HttpRequest, token: str, reference: str) -> HttpResponse:
    link, refused = _link_or_page(request, token)
    if refused is not None:
        return refused
    if link is None or not Referral.objects.filter(link=link, reference=reference[:16]).exists():
        raise Http404
    return render(
        request,
        "admissions/public_sent.html",
        {"reference": reference, "store": link.store},
    )


# --- The team's pages -------------------------------------------------------------------------


@store_view(Perm.ADMISSIONS_MANAGE)
def referral_queue(request: StoreRequest) -> HttpResponse:
    status = request.GET.get("status", "waiting")
    if status not in selectors.QUEUE_FILTERS:
        status = "waiting"
    referrals = selectors.referral_queue(request.store, status)[:200]
    return render(
        request,
        "admissions/queue.html",
        {
            **SECTION,
            "tab": "queue",
            "referrals": referrals,
            "status": status,
            "filters": [
                ("waiting", _("à examiner")),
                ("postponed", _("ajournées")),
                ("admitted", _("admises")),
                ("refused", _("refusées")),
                ("all", _("toutes")),
            ],
        },
    )


@store_view(Perm.ADMISSIONS_MANAGE)
def referral_detail(request: StoreRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_of(request.store, pk)
    services.referral_open(referral=referral, user=request.user)
    decisions = referral.decisions.select_related("session", "decided_by")
    return render(
        request,
        "admissions/detail.html",
        {**SECTION, "tab": "queue", "referral": referral, "decisions": decisions},
    )


@store_view(Perm.ADMISSIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def referral_create(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = ReferralForm(
        request.POST or None, questions=selectors.admission_settings(store).questions
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_enter(
                store=store, actor=request.user, data=form.referral_data(), answers=form.answers()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Orientation %(ref)s enregistrée.") % {"ref": referral.reference}
            )
            return redirect("admissions:queue")
    return render(request, "admissions/form.html", {**SECTION, "tab": "queue", "form": form})


@store_view(Perm.ADMISSIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def partner_links(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = PartnerLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.partner_link_create(
                store=store, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Lien créé pour %(service)s.") % {"service": link.service})
            return redirect("admissions:links")
    today = store.today()
    rows = [
        {
            "link": link,
            "url": request.build_absolute_uri(
                reverse("admissions:public", args=[services.partner_link_token(link)])
            ),
            "valid": link.revoked_at is None and today <= link.expires_on,
        }
        for link in selectors.partner_links(store)
    ]
    return render(
        request, "admissions/links.html", {**SECTION, "tab": "links", "form": form, "rows": rows}
    )


@store_view(Perm.ADMISSIONS_MANAGE)
@require_POST
def partner_link_revoke(request: StoreRequest, pk: int) -> HttpResponse:
    link = selectors.partner_link_of(request.store, pk)
    services.partner_link_revoke(link=link, actor=request.user)
    messages.success(request, _("Lien de %(service)s révoqué.") % {"service": link.service})
    return redirect("admissions:links")


@store_view(Perm.ADMISSIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def admission_settings(request: StoreRequest) -> HttpResponse:
    store = request.store
    current = selectors.admission_settings(store)
    form = AdmissionSettingsForm.for_settings(current, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        questions = data.pop("questions").splitlines()
        try:
            services.admission_settings_update(
                store=store, actor=request.user, data=data, questions=questions
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Réglages des admissions enregistrés."))
            return redirect("admissions:settings")
    return render(request, "admissions/settings.html", {**SECTION, "tab": "settings", "form": form})


@store_view(Perm.ADMISSIONS_MANAGE)
@require_http_methods(["GET", "POST"])
def session_list(request: StoreRequest) -> HttpResponse:
    store = request.store
    waiting = selectors.referral_queue(store, "waiting")
    form = SessionForm(
        request.POST or None,
        waiting=waiting,
        initial={"held_on": store.today(), "referrals": list(waiting)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.committee_session_create(
                store=store,
                actor=request.user,
                held_on=form.cleaned_data["held_on"],
                members=form.cleaned_data["members"],
                referrals=list(form.cleaned_data["referrals"]),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("admissions:session", pk=session.pk)
    return render(
        request,
        "admissions/sessions.html",
        {
            **SECTION,
            "tab": "committee",
            "form": form,
            "sessions": selectors.sessions(store)[:50],
            "has_waiting": waiting.exists(),
        },
    )


def _decision_form(item: selectors.AgendaItem, default_months: int, today: object) -> DecisionForm:
    return DecisionForm(
        prefix=f"d{item.decision.pk}",
        initial={
            "months": default_months,
            "budget_cents": item.proposed_budget_cents,
            "start": today,
        },
    )


@store_view(Perm.ADMISSIONS_MANAGE)
def session_detail(request: StoreRequest, pk: int) -> HttpResponse:
    return _session_page(request, pk)


def _session_page(
    request: StoreRequest, pk: int, failed: DecisionForm | None = None
) -> HttpResponse:
    """The session's agenda; ``failed``: a decision's form sent back with its errors."""
    store = request.store
    session = selectors.session_of(store, pk)
    default_months = selectors.admission_settings(store).default_months
    rows = []
    for item in selectors.session_agenda(session):
        form = None
        if not item.decision.outcome:
            if failed is not None and failed.prefix == f"d{item.decision.pk}":
                form = failed
            else:
                form = _decision_form(item, default_months, store.today())
        rows.append({"item": item, "form": form})
    return render(
        request,
        "admissions/session.html",
        {**SECTION, "tab": "committee", "session": session, "rows": rows},
        status=400 if failed is not None else 200,
    )


@store_view(Perm.ADMISSIONS_MANAGE)
@require_POST
def session_decide(request: StoreRequest, pk: int, decision_pk: int) -> HttpResponse:
    store = request.store
    session = selectors.session_of(store, pk)
    decision = get_object_or_404(Decision, store=store, session=session, pk=decision_pk)
    form = DecisionForm(request.POST, prefix=f"d{decision.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_decide(
                decision=decision,
                actor=request.user,
                outcome=data["outcome"],
                months=data["months"],
                budget_cents=data["budget_cents"],
                start=data["start"],
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Décision enregistrée pour l'orientation %(ref)s.")
                % {"ref": decision.referral.reference},
            )
            return redirect("admissions:session", pk=session.pk)
    return _session_page(request, pk, failed=form)


@store_view(Perm.ADMISSIONS_MANAGE)
def session_minutes(request: StoreRequest, pk: int) -> HttpResponse:
    session = selectors.session_of(request.store, pk)
    response = HttpResponse(minutes_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="commission-{session.held_on:%Y-%m-%d}.pdf"'
    )
    return response
