"""Under /api/pos/v1/, answers that Django or ninja make outside the API's exception handlers
(405 of a wrong method, a crash in a middleware) still take the protocol's error shape."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cabas.protocol import API_PREFIX, error_body

_CODES = {401: "unauthorized", 404: "not_found", 413: "payload_too_large", 429: "rate_limited"}


class ApiErrorShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith(API_PREFIX)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        if status >= 500:
            code, message = "server_error", None
        elif status == 405:
            code, message = "invalid", "Méthode HTTP non acceptée pour cet appel."
        else:
            code, message = _CODES.get(status, "invalid"), None
        shaped = HttpResponse(
            json.dumps(error_body(code, message).model_dump(mode="json")),
            status=status,
            content_type="application/json",
        )
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped
