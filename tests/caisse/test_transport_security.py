"""The till's token goes only where it was meant: plain http only to this computer, no token
across a redirect to another origin, no redirect from https down to http, and a download
compared by origin rather than by the start of its text."""

from __future__ import annotations

import http.server
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from cabas.caisse.core.transport import (
    HttpTransport,
    TransportError,
    _TokenKeepingRedirects,
    check_server_url,
    origin,
)


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]]
    redirect_to: str | None = None

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.redirect_to and self.path.startswith("/api/"):
            self.send_response(302)
            self.send_header("Location", self.redirect_to)
            self.end_headers()
            return
        body = b"{}" if not self.path.endswith(".pyz") else b"package"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _server(redirect_to: str | None = None) -> Iterator[tuple[str, list]]:
    seen: list[tuple[str, str | None]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen, "redirect_to": redirect_to})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "url",
    ["http://cabas.example.org", "http://192.168.1.10:8000", "ftp://cabas.example.org", "cabas"],
)
def test_a_remote_server_in_plain_http_or_without_a_scheme_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="https://"):
        check_server_url(url)


@pytest.mark.parametrize(
    "url", ["https://cabas.example.org", "http://127.0.0.1:8000", "http://localhost:8000/"]
)
def test_https_and_this_computer_are_accepted(url: str) -> None:
    check_server_url(url)


def test_origins_compare_scheme_host_and_port() -> None:
    assert origin("https://Cabas.example.org/x") == origin("https://cabas.example.org:443/y")
    assert origin("https://cabas.example.org") != origin("https://cabas.example.org.evil.net")
    assert origin("https://cabas.example.org") != origin("http://cabas.example.org")
    assert origin("https://cabas.example.org") != origin("https://cabas.example.org:8443")


def _ask_snapshot(transport: HttpTransport) -> None:
    # "{}" is no snapshot: the call fails after the request, and only the headers matter here.
    with pytest.raises(TransportError):
        transport.snapshot(None)


def test_the_token_does_not_follow_a_redirect_to_another_origin() -> None:
    with _server() as (other, seen_elsewhere):
        # 127.0.0.1 and localhost are two origins, as two hosts would be.
        target = other.replace("127.0.0.1", "localhost") + "/elsewhere"
        with _server(redirect_to=target) as (server, seen_here):
            _ask_snapshot(HttpTransport(server, token="secret-token"))
        assert seen_here == [("/api/pos/v1/snapshot", "Bearer secret-token")]
        assert seen_elsewhere == [("/elsewhere", None)]


def test_a_redirect_keeps_the_token_within_its_origin_and_never_goes_down_to_http() -> None:
    handler = _TokenKeepingRedirects()
    request = urllib.request.Request(
        "https://cabas.example.org/api/pos/v1/snapshot",
        headers={"Authorization": "Bearer secret-token"},
    )
    assert (
        handler.redirect_request(request, None, 302, "Found", {}, "http://cabas.example.org/x")
        is None
    )
    same = handler.redirect_request(request, None, 302, "Found", {}, "https://cabas.example.org/y")
    assert same is not None and same.get_header("Authorization") == "Bearer secret-token"
    other = handler.redirect_request(request, None, 302, "Found", {}, "https://cdn.example.net/")
    assert other is not None and other.get_header("Authorization") is None


def test_a_download_from_a_look_alike_host_gets_no_token(tmp_path) -> None:
    with _server() as (server, seen):
        look_alike = server.replace("127.0.0.1", "localhost")
        transport = HttpTransport(server, token="secret-token")
        transport.download(look_alike + "/caisse/x.pyz", tmp_path / "x.pyz", max_bytes=1000)
        transport.download("/caisse/y.pyz", tmp_path / "y.pyz", max_bytes=1000)
    assert seen == [("/caisse/x.pyz", None), ("/caisse/y.pyz", "Bearer secret-token")]
