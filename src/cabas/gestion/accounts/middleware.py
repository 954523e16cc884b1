"""The second factor as one gate in front of every page: whoever must give a code (an
authenticator set up, a shop that asks for it, the platform admin) reaches nothing else first."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from cabas.gestion.accounts import otp
from cabas.gestion.stores.selectors import request_membership

# Reached before the code: the code page itself, signing out, the static files and the till's
# API (a device token, never a session).
_OPEN_NAMES = ("accounts:otp", "accounts:logout")
_OPEN_PREFIXES = (settings.STATIC_URL or "/static/", "/api/", "/healthz")


def second_factor_required(request: HttpRequest) -> bool:
    """Whether this signed-in, not yet verified person must give a code before this page."""
    user = request.user
    if otp.confirmed_device(user) is not None:  # type: ignore[arg-type]
        return True
    if request.path_info.startswith(reverse("admin:index")) and user.is_staff:
        return True
    membership = request_membership(request)
    return membership is not None and membership.store.require_2fa


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    @cached_property
    def open_paths(self) -> tuple[str, ...]:
        return tuple(reverse(name) for name in _OPEN_NAMES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()  # added by django-otp's OTPMiddleware, which runs first
            and request.path_info not in self.open_paths
            and not request.path_info.startswith(_OPEN_PREFIXES)
            and second_factor_required(request)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:otp')}?{query}")
        return self.get_response(request)
