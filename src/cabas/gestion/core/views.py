"""The home page (the day's dashboard) and the error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cabas.gestion.core.dashboard import dashboard
from cabas.gestion.stores.selectors import request_membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = request_membership(request)
    if membership is None:
        return redirect("stores:choose")
    return render(
        request,
        "core/home.html",
        {"store": membership.store, "sections": dashboard(membership)},
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500, using=None)
