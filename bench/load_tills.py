"""Load: 30 tills (processes running the real till core and sync agent, each with its own data
folder, enrolled through the real API) selling and syncing against gunicorn on PostgreSQL.

Reports tickets stored per second, the latency of a sync round (one ticket pushed, committed
and acknowledged, from the till's side) in percentiles, and errors; then the same ticket POSTs
made by plain urllib loops (30 threads, no till core), and a raw-SQL baseline (one INSERT and
COMMIT per ticket), in the same run. Ends by checking that the ids the tills wrote are exactly
the ids stored.

    .venv/bin/python bench/load_tills.py --small          # 20 s, 30 tills
    .venv/bin/python bench/load_tills.py --seconds 180    # a few minutes
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres  (the server a scratch database is
    created on, then dropped; default: the local PostgreSQL)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.faults.conftest import (  # noqa: E402
    Database,
    FaultServer,
    Shop,
    base_env,
    run_till,
    till_command,
)
from tests.faults.test_server_faults import API, post, sale  # noqa: E402


def percentiles(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return f"p50 {at(0.5):.0f} ms · p95 {at(0.95):.0f} ms · p99 {at(0.99):.0f} ms"


def enroll_all(server: FaultServer, shop: Shop, work: Path) -> None:
    def enroll(item: tuple[int, str]) -> Path:
        number, code = item
        folder = work / f"till-{number:02d}"
        out = run_till("enroll", "--dir", str(folder), "--server", server.url, "--code", code)
        assert "ENROLLED online" in out, out
        return folder

    with ThreadPoolExecutor(4) as pool:
        shop.tills = list(pool.map(enroll, enumerate(shop.seed["enrollment_codes"])))


def run_tills(shop: Shop, seconds: float, pause: float) -> dict[str, Any]:
    # Each till writes to a file of its own: 30 pipes read one after the other could fill up
    # and stall the tills still running (a few minutes of PAID/SYNC lines pass 64 KB).
    outputs = [folder.parent / f"{folder.name}.out" for folder in shop.tills]
    processes = []
    for number, (folder, output) in enumerate(zip(shop.tills, outputs, strict=True)):
        with output.open("w") as handle:
            processes.append(
                subprocess.Popen(
                    till_command(
                        "run",
                        "--dir",
                        str(folder),
                        "--seconds",
                        str(seconds),
                        "--pause",
                        str(pause),
                        "--seed",
                        str(number),
                        "--sync-every",
                        "1",
                    ),
                    env=base_env(),
                    cwd=ROOT,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
    paid: set[str] = set()
    latencies: list[float] = []
    errors = 0
    refused = 0
    crashed = 0
    started = time.monotonic()
    for process in processes:
        crashed += process.wait(timeout=seconds + 600) != 0
    elapsed = time.monotonic() - started
    for output in outputs:
        for line in output.read_text().splitlines():
            kind, *rest = line.split() or [""]
            if kind == "PAID":
                paid.add(rest[0])
            elif kind == "SYNC":
                latencies.append(float(rest[2]))
                errors += rest[0] != "online"
            elif kind == "REFUSED":
                refused += 1
    return {
        "paid": paid,
        "latencies": latencies,
        "errors": errors,
        "refused": refused,
        "crashed": crashed,
        "elapsed": elapsed,
    }


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def urllib_baseline(
    server: FaultServer, shop: Shop, threads: int, seconds: float
) -> dict[str, Any]:
    """The same POST of one ticket, from plain loops (no till core, no files, no fsync)."""
    code = server.ctl("seed-code", "--slug", shop.slug)["code"]
    status, answer = post(server.url + API + "enroll", {"code": code, "name": "baseline"})
    assert status == 201, answer
    token = answer["token"]
    url = server.url + API + "tickets"
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop() -> None:
        nonlocal errors
        while time.monotonic() < deadline:
            body = sale(shop, quantity=1)
            begin = time.monotonic()
            try:
                status, result = post(url, {"tickets": [body]}, token)
                ok = status == 200 and result["results"][0]["status"] == "created"
            except OSError:
                ok = False
            with lock:
                latencies.append(time.monotonic() - begin)
                errors += not ok

    workers = [threading.Thread(target=loop) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"count": len(latencies), "latencies": latencies, "errors": errors}


def raw_sql_baseline(db_url: str, seconds: float) -> int:
    """One INSERT of a ticket-sized JSON row and one COMMIT per ticket, one connection."""
    import psycopg

    count = 0
    with psycopg.connect(db_url) as conn:
        conn.execute("CREATE TEMP TABLE bench_tickets (id uuid PRIMARY KEY, body jsonb)")
        conn.commit()
        body = json.dumps({"lines": [{"label": "Produit 1", "quantity": 1}] * 2})
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            conn.execute("INSERT INTO bench_tickets VALUES (%s, %s)", (uuid.uuid4(), body))
            conn.commit()
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="20 s instead of --seconds")
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--tills", type=int, default=30)
    parser.add_argument("--pause", type=float, default=0.5, help="mean seconds between sales")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    args = parser.parse_args()
    seconds = 20.0 if args.small else args.seconds
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    work = Path(tempfile.mkdtemp(prefix="cabas-load-"))
    database = Database.create(work)
    server = FaultServer(root=work, db_url=database.url, workers=args.workers)
    try:
        server.cabas("migrate", "--noinput", "-v0")
        server.start()
        slug = f"load-{uuid.uuid4().hex[:6]}"
        shop = Shop(slug=slug, seed=server.ctl("seed", "--slug", slug, "--tills", str(args.tills)))
        enroll_all(server, shop, work)
        print(
            f"{args.tills} tills enrolled; selling for {seconds:.0f} s (gunicorn, "
            f"{args.workers} workers, PostgreSQL; load average {load_average()})",
            flush=True,
        )
        tills = run_tills(shop, seconds, args.pause)
        for folder in shop.tills:
            run_till("sync", "--dir", str(folder))
        stored = set(server.ctl("verify", "--slug", slug)["ticket_ids"])
        written: set[str] = set()
        for folder in shop.tills:
            for day in (folder / "Journal").glob("*"):
                written |= {p.stem for p in day.glob("*.json")}
        lost = len(written - stored)
        rate = len(tills["paid"]) / tills["elapsed"]
        print(
            f"tills:    {len(tills['paid'])} tickets in {tills['elapsed']:.1f} s = {rate:.1f} "
            f"tickets/s · sync round {percentiles(tills['latencies'])} · "
            f"{tills['errors']} offline rounds, {tills['refused']} refused sales, "
            f"{tills['crashed']} crashed tills · lost {lost}, stored not written "
            f"{len(stored - written)} · load average {load_average()}",
            flush=True,
        )
        base = urllib_baseline(server, shop, args.tills, min(seconds, 20.0))
        base_rate = base["count"] / min(seconds, 20.0)
        print(
            f"baseline: urllib loops, {args.tills} threads, the same POSTs: {base_rate:.1f} "
            f"tickets/s · {percentiles(base['latencies'])} · {base['errors']} errors",
            flush=True,
        )
        raw = raw_sql_baseline(database.url, 5.0)
        print(f"raw SQL:  one INSERT + COMMIT per ticket: {raw / 5.0:.0f} tickets/s", flush=True)
        if lost or tills["crashed"]:
            sys.exit(1)
    finally:
        server.stop()
        if database.drop is not None:
            database.drop()


if __name__ == "__main__":
    main()
