"""Talking to the server (protocol v1 under /api/pos/v1/) with urllib from the standard
library: HTTPS, gzip, timeouts, and the shop's proxy (the till's own setting, else the
system's: environment variables, the Windows registry or macOS settings, via
``urllib.request.getproxies``)."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

import cabas
from cabas.protocol import (
    API_PREFIX,
    HEADER_PENDING,
    HEADER_VERSION,
    CashSessionResult,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    LatestPackage,
    Snapshot,
    TicketBatchResult,
    TicketLookup,
)

# A refund's lookup of a sale made on another till: the cashier is waiting at the counter.
LOOKUP_TIMEOUT_SECONDS = 5.0


_M = TypeVar("_M", bound=BaseModel)


class TransportError(Exception):
    """The server could not be reached or answered nonsense: the till is offline."""


class ServerRefused(Exception):  # noqa: N818
    """The server answered with a protocol error (4xx with its French message)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retry_after = retry_after
        """Seconds the server asked the till to wait (its ``Retry-After``), if it said."""


def retry_after_seconds(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds: a number of seconds, or an HTTP date (RFC 9110);
    None when absent or unreadable. Capped at an hour: a till never goes silent for longer
    because of one header."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(int(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), 3600.0)


class Transport(Protocol):
    def enroll(self, code: str, name: str) -> EnrollResponse: ...
    def snapshot(self, since: str | None) -> Snapshot: ...
    def send_tickets(self, tickets: list[dict[str, Any]]) -> TicketBatchResult: ...
    def send_cash_session(self, report: dict[str, Any]) -> CashSessionResult: ...
    def latest_package(self) -> LatestPackage | None: ...
    def download(self, url: str, target: Path, *, max_bytes: int) -> str: ...


_DEFAULT_PORTS = {"http": 80, "https": 443}
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the port filled in: what must match for the token to go."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def check_server_url(url: str) -> None:
    """Refuse what would send the till's token in clear or to nowhere: only https, or http to
    this computer itself (a technician's test server)."""
    scheme, host, port = origin(url)
    if scheme not in ("http", "https") or not host or port == -1:
        raise ValueError("L'adresse du serveur doit être de la forme https://nom-du-serveur.")
    if scheme == "http" and host not in _LOOPBACK_HOSTS and not host.startswith("127."):
        raise ValueError(
            "L'adresse du serveur doit commencer par https:// : en http, le jeton de la caisse "
            "et les ventes circuleraient en clair."
        )


class _TokenKeepingRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect, but the token goes only to the origin it was meant for, and never
    from https down to http."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        old, new = origin(req.full_url), origin(newurl)
        if old[0] == "https" and new[0] != "https":
            return None  # the 3xx itself is then the answer: an error, not a downgrade
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is not None and new != old:
            redirected.remove_header("Authorization")
        return redirected


def build_opener(proxy: str | None) -> urllib.request.OpenerDirector:
    """An opener that goes through ``proxy`` when given, else the system's proxies."""
    proxies = {"http": proxy, "https": proxy} if proxy else urllib.request.getproxies()
    return urllib.request.build_opener(
        urllib.request.ProxyHandler(proxies), _TokenKeepingRedirects()
    )


class HttpTransport:
    def __init__(
        self,
        server_url: str,
        *,
        token: str | None = None,
        proxy: str | None = None,
        timeout: float = 20.0,
        pending: Callable[[], int] | None = None,
        version: str = cabas.__version__,
    ) -> None:
        check_server_url(server_url)
        self.base = server_url.rstrip("/") + API_PREFIX
        self.server_url = server_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.pending = pending
        self.version = version
        self.opener = build_opener(proxy)

    def _request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        timeout: float | None = None,
    ) -> tuple[int, Any]:
        headers = {
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "User-Agent": f"cabas-caisse/{self.version}",
            HEADER_VERSION: self.version,
        }
        if self.pending is not None:
            headers[HEADER_PENDING] = str(self.pending())
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        url = self.base + path
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        try:
            # The scheme was checked in __init__ (http or https only).
            with self.opener.open(request, timeout=timeout or self.timeout) as response:
                return response.status, self._decode(response.read(), response.headers)
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                payload = self._decode(raw, exc.headers)
                error = ErrorBody.model_validate(payload).error
            except (ValueError, ValidationError, TransportError):
                if exc.code >= 500:
                    raise TransportError(f"Le serveur a répondu {exc.code}.") from exc
                raise ServerRefused(exc.code, "invalid", f"Réponse {exc.code} du serveur.") from exc
            if exc.code >= 500:
                raise TransportError(f"Erreur du serveur ({exc.code}) : {error.message}") from exc
            raise ServerRefused(
                exc.code,
                error.code,
                error.message,
                error.details,
                retry_after=retry_after_seconds(exc.headers.get("Retry-After"))
                if exc.headers is not None
                else None,
            ) from exc
        except (
            TimeoutError,
            urllib.error.URLError,
            OSError,
            ConnectionError,
            http.client.HTTPException,  # IncompleteRead: the connection cut mid-answer
        ) as exc:
            reason = getattr(exc, "reason", exc)
            raise TransportError(f"Serveur injoignable ({reason}).") from exc

    @staticmethod
    def _decode(raw: bytes, headers: Any) -> Any:
        if headers is not None and headers.get("Content-Encoding", "") == "gzip":
            raw = gzip.decompress(raw)
        if not raw:
            return None
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise TransportError("Réponse illisible du serveur.") from exc

    def _model(self, model: type[_M], payload: Any) -> _M:
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            raise TransportError(
                f"Réponse inattendue du serveur ({exc.error_count()} erreurs)."
            ) from exc

    def enroll(self, code: str, name: str) -> EnrollResponse:
        body = EnrollRequest(code=code, name=name).model_dump()
        _, payload = self._request("POST", "enroll", body, auth=False)
        return self._model(EnrollResponse, payload)

    def snapshot(self, since: str | None) -> Snapshot:
        path = "snapshot"
        if since:
            path += "?" + urllib.parse.urlencode({"since": since})
        _, payload = self._request("GET", path)
        return self._model(Snapshot, payload)

    def send_tickets(self, tickets: list[dict[str, Any]]) -> TicketBatchResult:
        _, payload = self._request("POST", "tickets", {"tickets": tickets})
        result = self._model(TicketBatchResult, payload)
        if len(result.results) != len(tickets):
            raise TransportError("Le serveur n'a pas répondu pour chaque ticket.")
        return result

    def send_cash_session(self, report: dict[str, Any]) -> CashSessionResult:
        _, payload = self._request("POST", "cash-sessions", report)
        return self._model(CashSessionResult, payload)

    def lookup_ticket(self, number: str) -> TicketLookup | None:
        """A ticket of this shop by its receipt number (`GET tickets/{number}`); None when the
        server has none. A cashier waits for the answer: a short timeout."""
        try:
            _, payload = self._request(
                "GET",
                "tickets/" + urllib.parse.quote(number, safe=""),
                timeout=LOOKUP_TIMEOUT_SECONDS,
            )
        except ServerRefused as exc:
            if exc.status == 404:
                return None
            raise
        return self._model(TicketLookup, payload)

    def latest_package(self) -> LatestPackage | None:
        try:
            status, payload = self._request("GET", "caisse/latest")
        except ServerRefused as exc:
            if exc.status == 404:
                return None
            raise
        if status == 204 or payload is None:
            return None
        return self._model(LatestPackage, payload)

    def download(self, url: str, target: Path, *, max_bytes: int) -> str:
        """Download ``url`` (absolute, or a path on the server) into ``target``; returns the
        SHA-256 (hex) of what was written. Refuses more than ``max_bytes``."""
        absolute = urllib.parse.urljoin(self.server_url + "/", url)
        if urllib.parse.urlsplit(absolute).scheme not in ("http", "https"):
            raise TransportError("Adresse de téléchargement invalide.")
        headers = {"User-Agent": f"cabas-caisse/{self.version}"}
        if self.token and origin(absolute) == origin(self.server_url):
            headers["Authorization"] = f"Bearer {self.token}"
        digest = hashlib.sha256()
        size = 0
        request = urllib.request.Request(absolute, headers=headers)  # noqa: S310
        try:
            with (
                self.opener.open(request, timeout=self.timeout) as response,
                open(target, "wb") as handle,
            ):
                while chunk := response.read(65536):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TransportError("Le paquet téléchargé est trop gros.")
                    digest.update(chunk)
                    handle.write(chunk)
        except urllib.error.HTTPError as exc:
            raise TransportError(f"Téléchargement refusé ({exc.code}).") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TransportError(f"Téléchargement impossible ({exc}).") from exc
        return digest.hexdigest()
