"""Many tills asking for the snapshot at once (opening time, a server restart): N concurrent
`GET snapshot` requests (full, gzipped) through Django's test client on a pool of threads,
timed with the snapshot cache off (the baseline: each request builds it) and on, in the same
run. Prints p50/p95/max latency, the wall time and how many answers were built.

    .venv/bin/python bench/snapshot_concurrency.py                 # 200 requests, 20,000 products
    .venv/bin/python bench/snapshot_concurrency.py --small         # 40 requests, 2,000 products
    .venv/bin/python bench/snapshot_concurrency.py --requests 200 --threads 5

The threads share one process (one GIL, one cache) as the threads of one gunicorn worker
would; with several workers each keeps its own cache and builds once per data version.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import _stockdata


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2,000 products, 40 requests")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=None, help="default 200 (--small: 40)")
    parser.add_argument("--threads", type=int, default=5, help="requests served at once")
    args = parser.parse_args()
    if args.small:
        args.products, args.households = 2_000, 1_000
    if args.requests is None:
        args.requests = 40 if args.small else 200
    if args.database_url:
        os.environ["BENCH_DATABASE_URL"] = args.database_url
    os.environ.setdefault("CABAS_DEBUG", "false")
    url = _stockdata.django_setup("snapshot")  # the data of bench/snapshot.py, shared

    from django.conf import settings
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client

    from cabas.gestion.pos.services import device_enroll, enrollment_code_create
    from cabas.gestion.tillapi import snapshot_cache

    bench = _stockdata.ensure_stock_data(products=args.products, movements=args.products * 5)
    store = bench.store
    _stockdata.ensure_households(store, args.households)
    token = device_enroll(code=enrollment_code_create(store=store).code, name="Bench").token
    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    print(
        f"shop: {args.products:,} products, {args.households:,} households; "
        f"{args.requests} concurrent full snapshot requests (gzip) on {args.threads} threads"
    )

    builds = {"count": 0}
    build = snapshot_cache.build_snapshot

    def counted(*a: Any, **k: Any) -> Any:
        builds["count"] += 1
        return build(*a, **k)

    snapshot_cache.build_snapshot = counted  # type: ignore[assignment]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT_ENCODING": "gzip"}

    def one(_n: int) -> float:
        started = time.perf_counter()
        response = Client().get("/api/pos/v1/snapshot", **headers)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:300]
        connection.close()
        return elapsed

    Client().get("/api/pos/v1/snapshot", **headers)  # warm-up: imports, the shop's settings row
    results = {}
    for label, seconds in (("no cache (baseline)", 0), ("cache", 60)):
        settings.CABAS_SNAPSHOT_CACHE_SECONDS = seconds
        caches[snapshot_cache.CACHE_ALIAS].clear()
        builds["count"] = 0
        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            latencies = sorted(pool.map(one, range(args.requests)))
        wall = time.perf_counter() - started
        results[label] = latencies
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
        print(
            f"{label:20} p50 {statistics.median(latencies) * 1000:7.0f} ms  "
            f"p95 {p95 * 1000:7.0f} ms  max {latencies[-1] * 1000:7.0f} ms  "
            f"wall {wall:6.2f} s  built {builds['count']}"
        )


if __name__ == "__main__":
    sys.exit(main())
