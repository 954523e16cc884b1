"""Choosing a shop, the shop's people and its settings."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.accounts.models import User
from cabas.gestion.accounts.otp import confirmed_device
from cabas.gestion.accounts.services import (
    account_send_welcome,
    invitation_send,
    second_factor_reset,
)
from cabas.gestion.audit.describe import describe
from cabas.gestion.audit.forms import AuditFilterForm
from cabas.gestion.audit.selectors import store_audit_events
from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.stores import services
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.forms import MembershipForm, PersonAddForm, StoreSettingsForm
from cabas.gestion.stores.logos import logo_content_type
from cabas.gestion.stores.models import Membership
from cabas.gestion.stores.permissions import Perm
from cabas.gestion.stores.selectors import SESSION_KEY, active_memberships, store_members


@login_required
@require_http_methods(["GET", "POST"])
def choose_store(request: HttpRequest) -> HttpResponse:
    memberships = list(active_memberships(request.user))
    if request.method == "POST":
        chosen = next(
            (m for m in memberships if str(m.store_id) == request.POST.get("store")), None
        )
        if chosen is None:
            messages.error(request, _("Choisissez une de vos épiceries."))
        else:
            request.session[SESSION_KEY] = chosen.store_id
            return redirect("core:home")
    return render(request, "stores/choose.html", {"memberships": memberships})


@store_view(Perm.PEOPLE_MANAGE)
def people_list(request: StoreRequest) -> HttpResponse:
    return render(request, "stores/people_list.html", {"members": store_members(request.store)})


@store_view(Perm.PEOPLE_MANAGE)
@require_http_methods(["GET", "POST"])
def person_add(request: StoreRequest) -> HttpResponse:
    form = PersonAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            added = services.person_add(
                store=request.store,
                actor=request.user,
                username=data["username"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                password=data["password"] or None,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if isinstance(added, Membership):
                if not data["password"]:
                    account_send_welcome(user=added.user, request=request, store=request.store)
                messages.success(
                    request,
                    _("%(name)s fait maintenant partie de l'épicerie.") % {"name": added.user},
                )
            else:
                if added is not None:
                    invitation_send(invitation=added, request=request)
                # One answer whether the account exists or not: usernames stay private.
                messages.info(
                    request,
                    _(
                        "Cet identifiant correspond déjà à un compte. Si l'adresse e-mail saisie "
                        "est la sienne, cette personne a reçu une invitation à rejoindre "
                        "l'épicerie : elle apparaîtra dans l'équipe quand elle l'aura acceptée."
                    ),
                )
            return redirect("stores:people")
    return render(request, "stores/person_add.html", {"form": form})


@store_view(Perm.PEOPLE_MANAGE)
@require_http_methods(["GET", "POST"])
def person_edit(request: StoreRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, store=request.store
    )
    form = MembershipForm(
        request.POST or None,
        initial={"role": membership.role, "is_active": membership.is_active},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                membership=membership,
                actor=request.user,
                role=form.cleaned_data["role"],
                is_active=form.cleaned_data["is_active"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Modifications enregistrées."))
            return redirect("stores:people")
    events = [
        describe(event)
        for event in store_audit_events(request.store).filter(
            target_type="stores.membership", target_id=str(membership.pk)
        )[:20]
    ]
    return render(
        request,
        "stores/person_edit.html",
        {
            "form": form,
            "membership": membership,
            "events": events,
            "has_device": confirmed_device(membership.user) is not None,
        },
    )


@store_view(Perm.PEOPLE_MANAGE)
@require_POST
def person_welcome_resend(request: StoreRequest, membership_id: int) -> HttpResponse:
    """Send the welcome e-mail again (a lost or expired link) to someone of the team."""
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, store=request.store
    )
    try:
        services.person_welcome_resend(membership=membership, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        account_send_welcome(user=membership.user, request=request, store=request.store)
        messages.success(
            request,
            _("Invitation renvoyée à %(email)s.") % {"email": membership.user.email},
        )
    return redirect("stores:person_edit", membership_id=membership.pk)


@store_view(Perm.PEOPLE_MANAGE)
@require_POST
def person_second_factor_reset(request: StoreRequest, membership_id: int) -> HttpResponse:
    """Remove a member's authenticator and recovery codes (a lost phone), audited."""
    membership = get_object_or_404(
        Membership.objects.select_related("user", "store"), pk=membership_id, store=request.store
    )
    try:
        second_factor_reset(membership=membership, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "La double authentification de %(name)s est réinitialisée : à sa prochaine "
                "connexion, elle installera de nouveau son application si l'épicerie le demande."
            )
            % {"name": membership.user},
        )
    return redirect("stores:person_edit", membership_id=membership.pk)


@store_view(Perm.STORE_SETTINGS)
@require_http_methods(["GET", "POST"])
def store_settings(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = StoreSettingsForm(request.POST or None, request.FILES or None, instance=store)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if "logo" not in request.FILES:
            data.pop("logo", None)
        try:
            services.store_update_settings(store=store, actor=request.user, data=data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Paramètres enregistrés."))
            return redirect("stores:settings")
    return render(request, "stores/settings.html", {"form": form})


@store_view(Perm.TILL_USE)
def store_logo(request: StoreRequest) -> FileResponse:
    """The current shop's logo, served through the app so it stays private to the shop."""
    if not request.store.logo:
        raise Http404
    logo = request.store.logo.open("rb")
    # The type follows the content: a name given by the sender says nothing.
    response = FileResponse(logo, content_type=logo_content_type(logo))
    response["Cache-Control"] = "private, max-age=3600"
    return response


@store_view(Perm.AUDIT_VIEW)
def audit_log(request: StoreRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None, store=request.store)
    events = store_audit_events(
        request.store, action_prefix=request.GET.get("action", ""), **form.filters()
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    entries = [describe(event) for event in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "stores/audit_log.html",
        {"page": page, "entries": entries, "form": form, "query": query.urlencode()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person, signed in with the invited account, joins the shop by a click."""
    user = cast(User, request.user)
    try:
        invitation = services.invitation_read(token, user=user)
    except ValidationError as error:
        return render(request, "stores/invitation.html", {"error": error.messages[0]}, status=400)
    if request.method == "POST":
        membership = services.invitation_accept(token=token, user=user)
        request.session[SESSION_KEY] = membership.store_id
        messages.success(
            request,
            _("Vous faites maintenant partie de l'épicerie %(store)s.")
            % {"store": membership.store.name},
        )
        return redirect("core:home")
    return render(request, "stores/invitation.html", {"invitation": invitation})
