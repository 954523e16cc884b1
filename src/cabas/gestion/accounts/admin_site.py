"""The platform admin (`/plateforme/`): it sees every shop's people, so it opens only to staff
who have given their second factor, and signs in through the site's own login page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class PlatformAdminSite(AdminSite):
    site_header = "Cabas — plateforme"
    site_title = "Cabas — plateforme"

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(super().has_permission(request) and user.is_verified())

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # The admin's own form knows nothing of the second factor: always the site's login,
        # then the code page (SecondFactorMiddleware), then back here.
        if request.user.is_authenticated:
            # Signed in and still not allowed: not staff (the login page would send them back).
            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")


class PlatformAdminConfig(AdminConfig):
    default_site = "cabas.gestion.accounts.admin_site.PlatformAdminSite"
