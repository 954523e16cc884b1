"""Faults on the server's side: gunicorn workers killed in the middle of requests, and many
copies of the same ticket arriving at the same instant (a till retrying through several
connections): the ticket is stored once, its effects applied once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cabas.protocol.till_tickets import till_line, till_ticket
from tests.faults.conftest import (
    ROOT,
    FaultServer,
    Shop,
    assert_consistent,
    base_env,
    open_shop,
    paid_ids,
    size,
    till_command,
)

API = "/api/pos/v1/"


def post(url: str, body: Any, token: str | None = None, timeout: float = 30) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def device_token(server: FaultServer, shop: Shop) -> str:
    code = server.ctl("seed-code", "--slug", shop.slug)["code"]
    status, answer = post(server.url + API + "enroll", {"code": code, "name": "threads"})
    assert status == 201, answer
    return str(answer["token"])


def sale(shop: Shop, quantity: int = 2) -> dict[str, Any]:
    """``quantity`` of the shop's first product at the full price, paid in cash."""
    product, price = next(iter(shop.seed["prices"].items()))
    line = till_line(
        product_id=int(product),
        label="Produit 1",
        quantity=quantity,
        unit="piece",
        full_unit_price_cents=price,
    )
    return till_ticket(
        [line],
        created_at=datetime.now(ZoneInfo("Europe/Paris")),
        cashier_id=shop.seed["cashier_id"],
    )


THREADS = 50


def same_ticket_at_once(url: str, token: str, ticket: dict[str, Any]) -> list[tuple[int, Any]]:
    """THREADS connections posting `ticket` at the same instant (released by a barrier)."""
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, Any]] = []
    lock = threading.Lock()

    def send() -> None:
        barrier.wait()
        answer = post(url, {"tickets": [ticket]}, token)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


ROUNDS = size(2, 200)


def test_fifty_copies_of_a_ticket_at_once_are_stored_once(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    shop = open_shop(fault_server, tmp_path, "same", tills=0)
    token = device_token(fault_server, shop)
    url = fault_server.url + API + "tickets"
    statuses: Counter[str] = Counter()
    sent: list[str] = []
    for _ in range(ROUNDS):
        ticket = sale(shop)
        sent.append(ticket["id"])
        answers = same_ticket_at_once(url, token, ticket)
        assert all(status == 200 for status, _ in answers), [a for a in answers if a[0] != 200][:3]
        round_statuses = Counter(body["results"][0]["status"] for _, body in answers)
        assert round_statuses["created"] == 1, round_statuses
        assert round_statuses["duplicate"] == THREADS - 1, round_statuses
        statuses.update(round_statuses)
    stored = fault_server.ctl("verify", "--slug", shop.slug)
    assert sorted(stored["ticket_ids"]) == sorted(sent)
    product, initial = next(iter(shop.seed["products"].items()))
    assert stored["sold"][product] == 2 * ROUNDS
    assert stored["stock"][product] == initial - 2 * ROUNDS
    assert stored["ledger_differences"] == 0
    print(f"same ticket x{THREADS}: {ROUNDS} rounds, {dict(statuses)}")


def test_workers_killed_mid_request_lose_and_duplicate_nothing(
    fault_server: FaultServer, tmp_path: Path
) -> None:
    tills = 2
    sales = size(6, 150)
    shop = open_shop(fault_server, tmp_path, "workers", tills=tills)

    def start(round_: int) -> list[subprocess.Popen[str]]:
        return [
            subprocess.Popen(
                till_command(
                    "run", "--dir", str(folder), "--sales", str(sales), "--seed", str(seed)
                ),
                env=base_env(),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for seed, folder in enumerate(shop.tills, start=round_ * tills)
        ]

    rng = random.Random(int(os.environ.get("CABAS_FAULTS_SEED", "9")))
    kills = 0
    budget = size(4, 200)  # a respawned worker takes a second or two to boot
    # The tills sell in rounds until the kill budget is spent (a till's round lasts less than
    # the budget's kills at full size); the suite's small size keeps one round.
    max_rounds = size(1, 50)
    rounds = [start(0)]
    while kills < budget:
        if all(process.poll() is not None for process in rounds[-1]):
            if len(rounds) == max_rounds:
                break
            rounds.append(start(len(rounds)))
        time.sleep(rng.uniform(0.5, 2.0))
        workers = fault_server.worker_pids()
        if workers:
            try:
                os.kill(rng.choice(workers), signal.SIGKILL)
                kills += 1
            except ProcessLookupError:
                pass
    for process in (process for round_ in rounds for process in round_):
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-2000:]
        assert "DONE" in out
        shop.confirmed |= paid_ids(out)
    time.sleep(1)  # the master replaces the last worker killed
    result = assert_consistent(fault_server, shop)
    assert result["confirmed"] == tills * sales * len(rounds)
    print(f"workers killed: {kills} kills, {len(rounds)} round(s) of sales, {result}")
    assert kills > 0
