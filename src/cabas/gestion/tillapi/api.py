"""Protocol v1, server side (django-ninja, under /api/pos/v1/): the calls of docs/protocol.md
(their place in the whole: docs/architecture.md), with the wire models of `cabas.protocol` as
schemas.

Every error answers `{"error": {"code", "message", "details"}}` (French message), including
ninja's own validation, authentication and not-found errors.
"""

from __future__ import annotations

import json
import logging
import random
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from cabas import __version__
from cabas.gestion.core.throttle import concurrency_slot, throttle_hit
from cabas.gestion.pos import keys, packages
from cabas.gestion.pos.services import EnrollmentRefused, cash_session_report, device_enroll
from cabas.gestion.sales.intake import IntakeBusy, ticket_batch_ingest
from cabas.gestion.tillapi.auth import DeviceBearer, request_device
from cabas.gestion.tillapi.selectors import AmbiguousTicketNumber, till_ticket_lookup
from cabas.gestion.tillapi.snapshot_cache import snapshot_body
from cabas.protocol import (
    ERROR_HTTP_STATUS,
    MAX_TICKETS_PER_BATCH,
    BundleFile,
    CashSessionInvalid,
    CashSessionReport,
    CashSessionResult,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    LatestPackage,
    Snapshot,
    StoreInfo,
    TicketBatch,
    TicketBatchResult,
    TicketLookup,
    error_body,
    error_info,
    french_error_message,
    parse_cash_session,
    raw_cash_session_id,
    receipt_number_digits,
)

logger = logging.getLogger(__name__)

API_NAMESPACE = "pos_api"

api = NinjaAPI(
    title="Cabas — protocole caisse ↔ serveur",
    version="1",
    description=(
        "Protocol v1 between la caisse (the till) and la gestion. Money in integer cents, "
        "weights in grams, times ISO 8601 with an offset. See docs/protocol.md."
    ),
    urls_namespace=API_NAMESPACE,
    auth=DeviceBearer(),
    docs_url=None,
)

# Errors every authenticated write call may answer (429: too many invalid bodies from a till).
AUTH_ERRORS: dict[int, Any] = {400: ErrorBody, 401: ErrorBody, 413: ErrorBody, 429: ErrorBody}


def error_response(
    request: HttpRequest,
    code: str,
    message: str | None = None,
    details: Any = None,
    status: int | None = None,
) -> HttpResponse:
    body = error_body(code, message, details).model_dump(mode="json")
    return api.create_response(request, body, status=status or ERROR_HTTP_STATUS[code])


def _validation_details(errors: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part not in ("body", "payload")]
        entries.append(
            {"loc": loc, "type": str(error.get("type", "")), "message": french_error_message(error)}
        )
    first = entries[:3]
    text = " ; ".join(
        (", ".join(str(p) for p in e["loc"]) + " : " if e["loc"] else "") + e["message"]
        for e in first
    )
    if len(entries) > 3:
        text += f" (et {len(entries) - 3} autre(s) erreur(s))"
    return f"La requête est invalide : {text}.", {"errors": entries}


def _invalid_body_throttled(request: HttpRequest) -> HttpResponse | None:
    """A till sending invalid bodies past CABAS_QUARANTINE_RATE_PER_MINUTE: answered 429
    `rate_limited` with Retry-After, and nothing is quarantined. Only invalid bodies count:
    valid tickets are never held back by this."""
    device = getattr(request, "auth", None)
    if device is None or request.method != "POST" or request.path.endswith("/enroll"):
        return None
    retry_after = throttle_hit(
        scope="quarantine",
        request=request,
        limit=settings.CABAS_QUARANTINE_RATE_PER_MINUTE,
        per_seconds=60,
        key=str(device.pk),
    )
    if retry_after is None:
        return None
    response = error_response(request, "rate_limited")
    response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def _on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    throttled = _invalid_body_throttled(request)
    if throttled is not None:
        return throttled
    if request.path.endswith("/cash-sessions") and getattr(request, "auth", None) is not None:
        try:
            raw = json.loads(request.body)
        except ValueError:  # no body at all: answered below like any malformed request
            pass
        else:
            return _rejected_cash_session(request, raw)
    errors = list(exc.errors)
    if any(
        e.get("type") == "too_long" and list(e.get("loc", ()))[-1:] == ["tickets"] for e in errors
    ):
        code = "too_many_tickets"
        message = f"Un envoi ne peut pas contenir plus de {MAX_TICKETS_PER_BATCH} tickets."
        details: dict[str, Any] = {"max": MAX_TICKETS_PER_BATCH}
    else:
        code = "invalid"
        message, details = _validation_details(errors)
    _quarantine_request(request, code, message, details)
    return error_response(request, code, message, details)


def _rejected_cash_session(request: HttpRequest, raw: Any) -> HttpResponse:
    """A malformed cash session report: answered 200 `rejected`/`invalid` (docs/protocol.md),
    like a ticket of a batch, and kept (bounded) in the quarantine."""
    try:
        parse_cash_session(raw)
    except CashSessionInvalid as invalid:
        info = invalid.error_info()
    else:  # pragma: no cover - ninja and the protocol validate with the same model
        info = error_info("invalid")
    _quarantine_request(
        request, info.code, info.message, info.details, object_id=raw_cash_session_id(raw)
    )
    result = CashSessionResult(id=raw_cash_session_id(raw), status="rejected", error=info)
    return api.create_response(request, result.model_dump(mode="json"), status=200)


def _quarantine_request(
    request: HttpRequest, code: str, message: str, details: Any, object_id: str | None = None
) -> None:
    """Keep a refused body of a till's write call (its first bytes, hash and size), for the
    manager."""
    device = getattr(request, "auth", None)
    if device is None or request.method != "POST" or request.path.endswith("/enroll"):
        return
    from cabas.gestion.sales.services import quarantine_payload

    kind = "cash_session" if request.path.endswith("/cash-sessions") else "batch"
    try:
        quarantine_payload(
            device=device,
            kind=kind,
            raw=request.body,
            reason=code,
            message=message,
            details=details,
            object_id=object_id,
        )
    except Exception:
        logger.exception("a refused %s of device %s could not be quarantined", kind, device.pk)


@api.exception_handler(AuthenticationError)
def _on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, "unauthorized")


@api.exception_handler(Http404)
def _on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, "not_found")


@api.exception_handler(HttpError)
def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, RequestDataTooBig):
        return error_response(request, "payload_too_large")
    if exc.status_code == 400:  # ninja could not parse the body
        throttled = _invalid_body_throttled(request)
        if throttled is not None:
            return throttled
        message = "La requête est invalide : le corps n'est pas du JSON valide."
        _quarantine_request(request, "invalid", message, None)
        return error_response(request, "invalid", message)
    if exc.status_code == 401:
        return error_response(request, "unauthorized")
    if exc.status_code == 404:
        return error_response(request, "not_found")
    if exc.status_code == 429:
        return error_response(request, "rate_limited")
    return error_response(
        request, "invalid", status=exc.status_code if exc.status_code < 500 else 400
    )


@api.exception_handler(RequestDataTooBig)
def _on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(request, "payload_too_large")


@api.exception_handler(Exception)
def _on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    # A 5xx is a bug: log it with its traceback, answer the protocol's shape anyway.
    logger.exception("till API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(request, "server_error")


@api.post(
    "enroll",
    auth=None,
    response={201: EnrollResponse, 400: ErrorBody, 413: ErrorBody, 429: ErrorBody},
    summary="Join a shop with a single-use enrolment code",
    operation_id="enroll",
)
def enroll(request: HttpRequest, payload: EnrollRequest) -> Any:
    retry_after = throttle_hit(
        scope="enroll",
        request=request,
        limit=settings.CABAS_THROTTLE_ENROLLMENTS_PER_IP,
        per_seconds=settings.CABAS_THROTTLE_WINDOW_SECONDS,
    )
    if retry_after is not None:  # guessing codes from one address
        response = error_response(request, "rate_limited")
        response["Retry-After"] = str(retry_after)
        return response
    try:
        enrolled = device_enroll(code=payload.code, name=payload.name)
    except EnrollmentRefused as refused:
        return 400, error_body(refused.code)
    store = enrolled.device.store
    return 201, EnrollResponse(
        device_id=str(enrolled.device.pk),
        token=enrolled.token,
        store=StoreInfo(
            slug=store.slug,
            name=store.name,
            timezone=store.timezone,
            cash_session_required=store.cash_session_required,
        ),
        package_public_key=keys.public_key_b64(),
    )


@api.post(
    "cash-sessions",
    response={200: CashSessionResult, **AUTH_ERRORS},
    summary="Report a cash session (opened, then closed); idempotent by id",
    operation_id="report_cash_session",
)
def report_cash_session(request: HttpRequest, payload: CashSessionReport) -> Any:
    device = request_device(request)
    try:
        return 200, cash_session_report(device=device, report=payload)
    except Exception as error:
        # A bug or a database refusing a value: the till would resend the report forever.
        # Logged with its traceback for the operators, kept in the quarantine, rejected.
        logger.exception("cash session %s of device %s could not be stored", payload.id, device.pk)
        info = error_info("server_error", CASH_SESSION_FAILED, {"error": type(error).__name__})
        ident = str(payload.id)
        _quarantine_request(request, info.code, info.message, info.details, object_id=ident)
        return 200, CashSessionResult(id=ident, status="rejected", error=info)


CASH_SESSION_FAILED = (
    "Le serveur n'a pas pu enregistrer cette session de caisse (erreur interne) : elle est "
    "gardée en quarantaine pour le responsable."
)


@api.get(
    "snapshot",
    response={200: Snapshot, 304: None, 401: ErrorBody},
    summary="What the till needs to sell offline (full, or a delta since a cursor)",
    operation_id="snapshot",
)
def snapshot(request: HttpRequest, since: str | None = None) -> Any:
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    built = snapshot_body(request_device(request).store, since, gzipped)
    if built.etag in _etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
        response["ETag"] = built.etag
        return response
    response = HttpResponse(content_type="application/json")
    if built.gzipped:
        response["Content-Encoding"] = "gzip"
    response.content = built.body
    response["ETag"] = built.etag
    response["Vary"] = "Accept-Encoding, Authorization"
    response["Cache-Control"] = "private, no-cache"
    return response


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


@api.post(
    "tickets",
    response={200: TicketBatchResult, **AUTH_ERRORS},
    summary="Send 1 to 100 tickets; each is stored (or refused) on its own, idempotently",
    operation_id="send_tickets",
)
def send_tickets(request: HttpRequest, payload: TicketBatch) -> Any:
    # Back-pressure: past the slots shared by the host's workers (or when the batch's lock
    # conflicts outlast its retries), nothing is stored and the till is told when to come
    # back, with a spread so that the tills that came back together after an outage do not
    # all come back again at the same second.
    with concurrency_slot(
        settings.CABAS_INTAKE_SLOTS_DIR,
        slots=settings.CABAS_INTAKE_SLOTS,
        wait_seconds=settings.CABAS_INTAKE_WAIT_SECONDS,
    ) as admitted:
        if admitted:
            try:
                results = ticket_batch_ingest(
                    device=request_device(request), raw_tickets=payload.tickets
                )
            except IntakeBusy:
                logger.warning("a batch of %d tickets met lock conflicts", len(payload.tickets))
            else:
                return 200, TicketBatchResult(results=results)
    return _intake_busy(request)


def _intake_busy(request: HttpRequest) -> HttpResponse:
    base = max(1, settings.CABAS_INTAKE_RETRY_AFTER_SECONDS)
    response = error_response(
        request,
        "rate_limited",
        "Le serveur est très sollicité : les tickets seront renvoyés automatiquement.",
    )
    response["Retry-After"] = str(base + random.randint(0, base))  # noqa: S311 - jitter
    return response


@api.get(
    "tickets/{number}",
    response={200: TicketLookup, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody},
    summary="A ticket of this till's shop by its receipt number, with its refunds",
    operation_id="lookup_ticket",
)
def lookup_ticket(request: HttpRequest, number: str) -> Any:
    # Only the device's own shop is searched: another shop's ticket is "not found".
    digits = receipt_number_digits(number)
    if digits is None:
        return 400, error_body(
            "invalid", "Numéro de ticket invalide : tapez les 8 caractères imprimés."
        )
    try:
        found = till_ticket_lookup(request_device(request).store, digits)
    except AmbiguousTicketNumber:
        return 400, error_body(
            "invalid", "Plusieurs tickets commencent ainsi : tapez plus de caractères."
        )
    if found is None:
        return 404, error_body("not_found", "Aucun ticket de l'épicerie ne porte ce numéro.")
    return 200, found


@api.get(
    "caisse/latest",
    response={200: LatestPackage, 401: ErrorBody, 404: ErrorBody},
    summary="The newest signed release: the code package and the platform bundles",
    operation_id="latest_package",
)
def latest_package(request: HttpRequest) -> Any:
    release = packages.latest_release()
    if release is None:
        return 404, error_body("not_found", "Aucun paquet de caisse n'est disponible.")

    def url(file: packages.PackageFile) -> str:
        return request.build_absolute_uri(
            reverse(f"{API_NAMESPACE}:package_download", kwargs={"name": file.name})
        )

    code = release.code
    return 200, LatestPackage(
        version=release.version,
        url=url(code),
        sha256=code.sha256,
        signature=code.signature,
        size=code.size,
        dependencies=release.dependencies,
        bundles=[
            BundleFile(
                platform=slug, url=url(f), sha256=f.sha256, signature=f.signature, size=f.size
            )
            for slug, f in release.bundles.items()
        ],
    )


_PACKAGE_FILE = {
    "responses": {
        "200": {
            "description": "The package (a Python zip application)",
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    }
}


def _package_response(file: packages.PackageFile | None) -> Any:
    if file is None:
        return 404, error_body("not_found", "Ce paquet de caisse n'existe pas.")
    response = FileResponse(
        file.path.open("rb"),
        as_attachment=True,
        filename=file.name,
        content_type="application/octet-stream",
    )
    response["X-Cabas-Sha256"] = file.sha256
    return response


@api.get(
    "caisse/paquets/{name}",
    response={200: None, 401: ErrorBody, 404: ErrorBody},
    summary="Download a file of a release (code package or bundle)",
    operation_id="package_download",
    url_name="package_download",
    openapi_extra=_PACKAGE_FILE,
)
def package_download(request: HttpRequest, name: str) -> Any:
    return _package_response(packages.find_file(name))


@api.get(
    "caisse/{version}.pyz",
    response={200: None, 401: ErrorBody, 404: ErrorBody},
    summary="Download a code package (the address tills before 0.2 use)",
    operation_id="package_file",
    url_name="package_file",
    openapi_extra=_PACKAGE_FILE,
)
def package_file(request: HttpRequest, version: str) -> Any:
    return _package_response(packages.find_file(packages.code_package_name(version)))


def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other path under /api/pos/v1/: the protocol's 404."""
    body = error_body("not_found", "Cet appel n'existe pas dans le protocole v1.")
    return HttpResponse(
        json.dumps(body.model_dump(mode="json")), status=404, content_type="application/json"
    )


SERVER_VERSION = __version__
