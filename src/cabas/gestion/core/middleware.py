"""In development (``DEBUG``), a missing page shows the shop's French 404 page, as in
production, instead of Django's English technical page (which lists every URL pattern)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found

from cabas.protocol import API_PREFIX


class FrenchNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith(API_PREFIX)
        ):
            return page_not_found(request, Http404())
        return response
