"""Sign-in, two-factor authentication and the person's own account page."""

from __future__ import annotations

import math
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabas.gestion.accounts import otp, services
from cabas.gestion.accounts.forms import DisableForm, ResetForm, SetupForm, VerifyForm
from cabas.gestion.accounts.models import User
from cabas.gestion.core.throttle import throttle_hit
from cabas.gestion.stores.selectors import request_membership


def throttled(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(
        request,
        "accounts/throttled.html",
        {"minutes": max(1, math.ceil(retry_after / 60))},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


class ThrottledPostMixin:
    """Per-address limit on the form's POSTs (`throttle_scope`, `throttle_setting`)."""

    throttle_scope = ""
    throttle_setting = ""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        retry_after = throttle_hit(
            scope=self.throttle_scope,
            request=request,
            limit=getattr(settings, self.throttle_setting),
            per_seconds=settings.CABAS_THROTTLE_WINDOW_SECONDS,
        )
        if retry_after is not None:
            return throttled(request, retry_after)
        response: HttpResponse = super().post(request, *args, **kwargs)  # type: ignore[misc]
        return response


class LoginView(ThrottledPostMixin, auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    throttle_scope = "login"
    throttle_setting = "CABAS_THROTTLE_LOGINS_PER_IP"

    def get_success_url(self) -> str:
        # Someone with an authenticator app always confirms with it, shop rule or not.
        if otp.confirmed_device(self.request.user) is not None:  # type: ignore[arg-type]
            query = urlencode({"next": self.get_redirect_url() or "/"})
            return f"{reverse_lazy('accounts:otp')}?{query}"
        return super().get_success_url()


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    """Verify the code of a confirmed device, or set one up if the person has none."""
    user = cast(User, request.user)
    if user.is_verified():  # type: ignore[attr-defined]  # added by OTPMiddleware
        return redirect(_next_url(request))
    confirmed = otp.confirmed_device(user)
    if confirmed is None:
        return _otp_setup(request, user)
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _code_accepted(request, form, confirmed):
        otp_login(request, confirmed)
        return redirect(_next_url(request))
    context = {"form": form, "setting_up": False, "next": _next_url(request)}
    return render(request, "accounts/otp.html", context)


def _code_accepted(request: HttpRequest, form: VerifyForm, device: TOTPDevice) -> bool:
    """The app's code, or a recovery code (spent, audited, and the person told how many are
    left); both under the device's throttle."""
    token = form.cleaned_data["token"]
    if not token.isdigit():
        if not _throttle_allows(form, device):
            return False
        user = cast(User, request.user)
        membership = request_membership(request)
        if not services.recovery_code_use(
            user=user, typed=token, store=membership.store if membership else None
        ):
            device.throttle_increment()
            form.add_error("token", _("Ce code de secours n'est pas valable ou a déjà servi."))
            return False
        device.throttle_reset()
        left = otp.recovery_codes_left(user)
        messages.warning(
            request,
            ngettext(
                "Code de secours accepté. Il vous en reste %(count)d : pensez à en générer de "
                "nouveaux depuis « Mon compte ».",
                "Code de secours accepté. Il vous en reste %(count)d : pensez à en générer de "
                "nouveaux depuis « Mon compte ».",
                left,
            )
            % {"count": left},
        )
        return True
    return _token_accepted(form, device)


def _throttle_allows(form: forms.Form, device: TOTPDevice) -> bool:
    allowed, _why = device.verify_is_allowed()
    if not allowed:
        # django-otp doubles the wait after each wrong code: guessing is hopeless.
        form.add_error("token", _("Trop d'essais : patientez quelques secondes et réessayez."))
    return bool(allowed)


def _token_accepted(form: forms.Form, device: TOTPDevice) -> bool:
    if not _throttle_allows(form, device):
        return False
    if not device.verify_token(form.cleaned_data["token"]):
        form.add_error("token", _("Ce code n'est pas valable. Réessayez avec le code affiché."))
        return False
    return True


def _otp_setup(request: HttpRequest, user: User) -> HttpResponse:
    """A first authenticator: the code e-mailed to the account, then the app's code."""
    required_by = otp.stores_requiring(user)
    context: dict[str, object] = {
        "setting_up": True,
        "next": _next_url(request),
        "required_by": required_by,
    }
    if not user.email:
        context["no_email"] = True
        return render(request, "accounts/otp.html", context)
    resend = request.method == "POST" and "resend" in request.POST
    if resend or not otp.setup_code_pending(request):
        otp.setup_code_send(request=request, user=user)
        if resend:
            messages.info(request, _("Un nouveau code vous a été envoyé par e-mail."))
    device = otp.pending_device(user)
    form = SetupForm(request.POST if request.method == "POST" and not resend else None)
    if form.is_bound and form.is_valid():
        if not otp.setup_code_check(request, form.cleaned_data["email_code"]):
            form.add_error(
                "email_code",
                _("Ce code reçu par e-mail n’est pas valable ou a expiré : demandez-en un autre."),
            )
        elif _token_accepted(form, device):
            otp.setup_code_spend(request)
            membership = request_membership(request)
            codes = services.second_factor_confirm(
                user=user, device=device, store=membership.store if membership else None
            )
            messages.success(request, _("La double authentification est activée."))
            otp_login(request, device)
            request.session[RECOVERY_SESSION_KEY] = codes
            query = urlencode({"next": _next_url(request)})
            return redirect(f"{reverse('accounts:recovery_codes')}?{query}")
    context |= {
        "form": form,
        "email_hint": otp.email_hint(user.email),
        "qr_svg": otp.qr_svg(device.config_url),
        "secret": otp.manual_key(device),
    }
    return render(request, "accounts/otp.html", context)


# The recovery codes just made, kept in the session only until the page that shows them once.
RECOVERY_SESSION_KEY = "cabas_recovery_codes"


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once (after set-up, or when the person asks for new ones)."""
    user = cast(User, request.user)
    if otp.confirmed_device(user) is None:
        return redirect("accounts:account")
    if request.method == "POST":
        membership = request_membership(request)
        request.session[RECOVERY_SESSION_KEY] = services.recovery_codes_renew(
            user=user, store=membership.store if membership else None
        )
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(RECOVERY_SESSION_KEY, None)
    context = {"codes": codes, "left": otp.recovery_codes_left(user), "next": _next_url(request)}
    response = render(request, "accounts/recovery_codes.html", context)
    response["Cache-Control"] = "no-store"  # the codes must not stay in the browser's cache
    return response


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    has_device = otp.confirmed_device(user) is not None
    return render(
        request,
        "accounts/account.html",
        {
            "has_device": has_device,
            "required_by": otp.stores_requiring(user),
            "mandatory": otp.second_factor_mandatory(user),
            "codes_left": otp.recovery_codes_left(user) if has_device else 0,
            "disable_form": DisableForm(),
        },
    )


@login_required
@require_POST
def second_factor_disable_view(request: HttpRequest) -> HttpResponse:
    """Switch one's own second factor off, with a current code, where no shop asks for it."""
    user = cast(User, request.user)
    device = otp.confirmed_device(user)
    if device is None:
        return redirect("accounts:account")
    if otp.second_factor_mandatory(user):
        messages.error(
            request,
            otp.MANDATORY_MESSAGE,
        )
        return redirect("accounts:account")
    form = DisableForm(request.POST)
    if form.is_valid() and _token_accepted(form, device):
        membership = request_membership(request)
        try:
            services.second_factor_disable(
                user=user, store=membership.store if membership else None
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("La double authentification est désactivée."))
        return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {
            "has_device": True,
            "required_by": otp.stores_requiring(user),
            "mandatory": otp.second_factor_mandatory(user),
            "codes_left": otp.recovery_codes_left(user),
            "disable_form": form,
        },
        status=400,
    )


class PasswordResetView(ThrottledPostMixin, auth_views.PasswordResetView):
    form_class = ResetForm
    throttle_scope = "password_reset"
    throttle_setting = "CABAS_THROTTLE_PASSWORD_RESETS_PER_IP"
