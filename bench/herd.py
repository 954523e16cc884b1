"""The herd after an outage: N tills, each with a backlog of tickets, come back at the same
instant and push it to gunicorn on PostgreSQL, in batches of 50, with the till's own pacing
(`cabas.caisse.core.sync.next_pause`: a 429 `rate_limited` is waited out for its Retry-After
plus up to half again; an error backs off). Reports the time to drain every backlog, the
POST latency (p50/p95/p99), the batches refused (429) and retried (errors), and checks that
the ids stored are exactly the ids sent: none lost, none counted twice.

    .venv/bin/python bench/herd.py --tills 50 --backlog 100
    .venv/bin/python bench/herd.py --tills 200 --backlog 50 --slots 4

A simulated till is a thread posting what a till posts (no till core, no files): the server is
what is measured. DATABASE_URL: the PostgreSQL server a scratch database is created on, then
dropped (default: the local one).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.faults.conftest import Database, FaultServer, Shop  # noqa: E402
from tests.faults.test_server_faults import API  # noqa: E402

from cabas.caisse.core.sync import SyncReport, next_pause  # noqa: E402
from cabas.caisse.core.transport import retry_after_seconds  # noqa: E402
from cabas.protocol.till_tickets import till_line, till_ticket  # noqa: E402


@dataclass
class HerdServer(FaultServer):
    """The fault harness's server, with the intake's back-pressure settings."""

    intake: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {**super().env(), **self.intake}


def post(url: str, body: Any, token: str | None = None) -> tuple[int, Any, str | None]:
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read()), None
    except urllib.error.HTTPError as error:
        return error.code, None, error.headers.get("Retry-After")


def ticket(shop: Shop, rng: random.Random) -> dict[str, Any]:
    """A sale of 1 to 3 of the shop's products at the full price."""
    prices = list(shop.seed["prices"].items())
    lines = [
        till_line(
            product_id=int(product),
            label=f"Produit {product}",
            quantity=rng.randint(1, 3),
            unit="piece",
            full_unit_price_cents=price,
        )
        for product, price in rng.sample(prices, min(len(prices), rng.randint(1, 3)))
    ]
    return till_ticket(
        lines, created_at=datetime.now(ZoneInfo("Europe/Paris")), cashier_id=shop.seed["cashier_id"]
    )


@dataclass
class Till:
    token: str
    backlog: list[dict[str, Any]]
    latencies: list[float] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    done_at: float = 0.0


def drain(till: Till, url: str, batch: int, interval: float, start: threading.Barrier) -> None:
    """Push the backlog, oldest first, as the sync agent does: batch after batch while the
    server takes them; on a refusal or an error, the agent's pause before the next round."""
    rng = random.Random()
    offline = 0
    start.wait()
    while till.backlog:
        began = time.perf_counter()
        try:
            status, answer, retry_after = post(url, {"tickets": till.backlog[:batch]}, till.token)
        except OSError:
            status, answer, retry_after = 0, None, None
        till.latencies.append(time.perf_counter() - began)
        if status == 200:
            offline = 0
            results = answer["results"]
            assert all(r["status"] in ("created", "duplicate") for r in results), results[:3]
            till.counts.update(r["status"] for r in results)
            del till.backlog[: len(results)]
            continue
        if status == 429:
            till.counts["refused_batches"] += 1
            seconds = retry_after_seconds(retry_after)
            report = SyncReport(state="online", retry_after=seconds or 0.0)
        else:
            till.counts["failed_batches"] += 1
            offline += 1
            report = SyncReport(state="offline")
        time.sleep(next_pause(report, interval, offline, rng))
    till.done_at = time.perf_counter()


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"p50 {at(0.5):.0f} ms, p95 {at(0.95):.0f} ms, p99 {at(0.99):.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tills", type=int, default=50)
    parser.add_argument("--backlog", type=int, default=100, help="tickets waiting on each till")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--slots", type=int, default=4, help="CABAS_INTAKE_SLOTS")
    parser.add_argument("--wait", type=int, default=2, help="CABAS_INTAKE_WAIT_SECONDS")
    parser.add_argument("--retry-after", type=int, default=2, help="its Retry-After, seconds")
    parser.add_argument("--interval", type=float, default=2.0, help="the tills' sync interval")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    work = Path(tempfile.mkdtemp(prefix="cabas-herd-"))
    database = Database.create(work)
    server = HerdServer(
        root=work,
        db_url=database.url,
        workers=args.workers,
        intake={
            "CABAS_INTAKE_SLOTS": str(args.slots),
            "CABAS_INTAKE_WAIT_SECONDS": str(args.wait),
            "CABAS_INTAKE_RETRY_AFTER_SECONDS": str(args.retry_after),
            # Every simulated till enrols from this one address.
            "CABAS_THROTTLE_ENROLLMENTS_PER_IP": str(args.tills + 10),
        },
    )
    try:
        server.cabas("migrate", "--noinput", "-v0")
        server.start()
        slug = f"herd-{uuid.uuid4().hex[:6]}"
        shop = Shop(slug=slug, seed=server.ctl("seed", "--slug", slug, "--tills", str(args.tills)))
        rng = random.Random(5)
        tills = []
        for code in shop.seed["enrollment_codes"]:
            status, answer, _ = post(server.url + API + "enroll", {"code": code, "name": "herd"})
            assert status == 201, answer
            tills.append(Till(answer["token"], [ticket(shop, rng) for _ in range(args.backlog)]))
        sent = {t["id"] for till in tills for t in till.backlog}
        start = threading.Barrier(len(tills) + 1)
        url = server.url + API + "tickets"
        threads = [
            threading.Thread(target=drain, args=(till, url, args.batch, args.interval, start))
            for till in tills
        ]
        for thread in threads:
            thread.start()
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        stored = server.ctl("verify", "--slug", slug)["ticket_ids"]
        counts: Counter[str] = Counter()
        for till in tills:
            counts.update(till.counts)
        latencies = [x for till in tills for x in till.latencies]
        finish = sorted(till.done_at - began for till in tills)
        lost = len(sent - set(stored))
        twice = len(stored) - len(set(stored))
        print(
            f"{args.tills} tills x {args.backlog} tickets = {len(sent)} tickets, batches of "
            f"{args.batch}; gunicorn {args.workers} workers, intake slots {args.slots} "
            f"(wait {args.wait} s, Retry-After {args.retry_after}-{2 * args.retry_after} s)\n"
            f"drained in {elapsed:.1f} s = {len(sent) / elapsed:.0f} tickets/s; last till done "
            f"at {finish[-1]:.1f} s, median till at {finish[len(finish) // 2]:.1f} s\n"
            f"POST tickets: {len(latencies)} calls, {percentiles(latencies)}\n"
            f"refused batches (429): {counts['refused_batches']}, failed batches (errors, "
            f"retried): {counts['failed_batches']}; created {counts['created']}, duplicate "
            f"{counts['duplicate']}\n"
            f"lost: {lost}, stored twice: {twice}, stored not sent: {len(set(stored) - sent)}",
            flush=True,
        )
        if lost or twice:
            sys.exit(1)
    finally:
        server.stop()
        if database.drop is not None:
            database.drop()


if __name__ == "__main__":
    main()
