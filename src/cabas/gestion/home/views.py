"""The home page: the day's dashboard of the current shop."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cabas.gestion.home.dashboard import dashboard
from cabas.gestion.stores.selectors import request_membership


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = request_membership(request)
    if membership is None:
        return redirect("stores:choose")
    return render(
        request,
        "home/home.html",
        {"store": membership.store, "sections": dashboard(membership)},
    )
