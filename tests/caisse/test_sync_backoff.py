"""Back-pressure on the till's side: a saturated server's 429 `rate_limited` keeps the tickets
for later and is waited out (its Retry-After, with jitter); offline, the pauses grow; the
rounds of many tills never stay in step."""

from __future__ import annotations

import http.server
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from cabas.caisse.core.sync import MAX_BACKOFF_INTERVALS, SyncReport, SyncStatus, next_pause
from cabas.caisse.core.transport import HttpTransport, ServerRefused
from tests.caisse.test_sync import sell


def test_a_rate_limited_batch_stays_in_ventes_and_is_no_problem_of_the_till(till, ctx, server):
    tickets = sell(till, 3)
    server.retry_after = 30.0
    report = ctx.agent().run_once()
    assert report.state == "online"
    assert report.retry_after == 30.0
    assert report.problems == [] and report.acknowledged == 0
    assert ctx.outbox.pending_count() == 3
    assert SyncStatus.load(ctx.data.status_file).last_success is None
    server.retry_after = None
    assert ctx.agent().run_once().acknowledged == 3
    assert sorted(server.stored) == sorted(str(t.id) for t in tickets)


def test_the_pause_after_a_429_is_its_retry_after_plus_up_to_half_again():
    rng = random.Random(1)
    limited = SyncReport(state="online", retry_after=30.0)
    pauses = [next_pause(limited, 10.0, 0, rng) for _ in range(500)]
    assert min(pauses) >= 30.0 and max(pauses) <= 45.0
    assert max(pauses) - min(pauses) > 10  # spread, not in step
    short = SyncReport(state="online", retry_after=1.0)  # never sooner than one interval
    assert all(10.0 <= next_pause(short, 10.0, 0, rng) <= 15.0 for _ in range(100))


def test_offline_pauses_double_up_to_a_ceiling_and_online_ones_are_spread():
    rng = random.Random(2)
    offline = SyncReport(state="offline")
    for rounds, ceiling in ((1, 10.0), (2, 20.0), (3, 40.0), (4, 60.0), (30, 60.0)):
        pauses = [next_pause(offline, 10.0, rounds, rng) for _ in range(200)]
        assert ceiling / 2 <= min(pauses) and max(pauses) <= ceiling
    assert MAX_BACKOFF_INTERVALS * 10.0 == 60.0
    online = [next_pause(SyncReport(state="online"), 10.0, 0, rng) for _ in range(200)]
    assert min(online) >= 8.0 and max(online) <= 12.0 and max(online) - min(online) > 2


class _Busy(http.server.BaseHTTPRequestHandler):
    retry_after = "42"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = (
            b'{"error": {"code": "rate_limited", "message": "Le serveur est tr\\u00e8s '
            b'sollicit\\u00e9.", "details": null}}'
        )
        self.send_response(429)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", self.retry_after)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _busy_server(retry_after: str) -> Iterator[str]:
    handler = type("Handler", (_Busy,), {"retry_after": retry_after})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        ("42", 42, 42),
        ("a date 120 s ahead", 100, 121),
        ("99999999", 3600, 3600),  # capped: one header never silences a till for days
        ("soon", None, None),
    ],
)
def test_the_transport_reads_retry_after_in_seconds_or_as_a_date(header, low, high):
    if header.startswith("a date"):  # made now: collected long before, it would be late
        header = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    with _busy_server(header) as url:
        transport = HttpTransport(url, token="tok")
        with pytest.raises(ServerRefused) as refused:
            transport.send_tickets([{"id": "x"}])
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    if low is None:
        assert refused.value.retry_after is None
    else:
        assert low <= refused.value.retry_after <= high
