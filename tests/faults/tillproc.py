"""A real till (the till core, its outbox and its sync agent, no window) in its own process,
driven by the fault harness and the load benchmark.

    python -m tests.faults.tillproc enroll --dir D --server URL --code CODE
    python -m tests.faults.tillproc run --dir D --sales N [--sync-every K] [--seed S]
    python -m tests.faults.tillproc sync --dir D
    python -m tests.faults.tillproc resend --dir D --since YYYY-MM-DD

``run`` prints ``READY`` once signed in, then ``PAID <ticket id> <monotonic seconds>`` after each
sale is confirmed to the cashier (saved in Ventes/), and ``SYNC <state> <acknowledged>
<seconds>`` after each sync round, which it runs every ``--sync-every`` sales, the way the
till's agent thread interleaves with the cashier. ``sync`` runs rounds until Ventes/ is empty
(or it gives up) and prints ``LEFT <number of tickets still waiting>``.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("CABAS_CAISSE_KEYRING", "0")

from cabas.caisse.core.app import TillContext
from cabas.caisse.core.config import DataDir, TillConfig, save_config
from cabas.caisse.core.transport import HttpTransport


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


@dataclass
class QuietView:
    """A till window that sees nothing and answers yes (the cashier validates)."""

    messages: list[tuple[str, str]] = field(default_factory=list)

    def show_cart(self, summary: Any) -> None:
        pass

    def show_message(self, text: str, level: str = "info") -> None:
        self.messages.append((level, text))

    def ask_weight(self, product: Any) -> None:
        pass

    def confirm(self, question: str) -> bool:
        return True

    def ask_open_session(self) -> None:
        pass

    def show_paid(self, ticket: Any, receipt: Any) -> None:
        pass

    def show_status(self, status: Any) -> None:
        pass


def enroll(root: Path, server: str, code: str, timeout: float) -> None:
    answer = HttpTransport(server, timeout=timeout).enroll(code, root.name)
    data = DataDir(root).ensure()
    save_config(
        data,
        TillConfig(
            server_url=server,
            device_id=answer.device_id,
            token=answer.token,
            till_name=root.name,
            store=answer.store,
            key_store="file",
            timeout_seconds=timeout,
        ),
    )
    ctx = TillContext.open(root)
    report = ctx.agent().run_once()
    _say(f"ENROLLED {report.state}")


def run(
    root: Path,
    sales: int,
    sync_every: int,
    seed: int,
    households: list[str],
    seconds: float = 0.0,
    pause: float = 0.0,
) -> None:
    ctx = TillContext.open(root)
    agent = ctx.agent()
    if ctx.store.load() is None:
        agent.run_once()
    view = QuietView()
    till = ctx.till(view)
    cashiers = till.cashiers()
    if not cashiers or not till.sign_in(cashiers[0].id, os.environ.get("CABAS_FAULTS_PIN", "4827")):
        raise SystemExit(f"cannot sign in: {view.messages}")
    if ctx.sessions.current() is None:
        till.open_session(0)  # the shop may require a session
    products = sorted(till.catalog.products)
    households = households or sorted(till.catalog.beneficiaries)
    if not products:
        raise SystemExit("no product in the local catalog")
    rng = random.Random(seed)
    _say("READY")
    deadline = time.monotonic() + seconds if seconds else None
    number = 0
    while (number < sales) if deadline is None else (time.monotonic() < deadline):
        number += 1
        if pause:
            time.sleep(rng.uniform(0, 2 * pause))  # the cashier scans the next basket
        for _ in range(rng.randint(1, 3)):
            till.add_product(rng.choice(products), rng.randint(1, 3))
        if households and rng.random() < 0.5:
            till.set_client(rng.choice(households))
        ticket = till.add_payment("cash")
        if ticket is None:
            _say(f"REFUSED {view.messages[-1][1] if view.messages else ''}")
            till.cancel_sale()
        else:
            _say(f"PAID {ticket.id} {time.monotonic():.6f}")
        if sync_every and number % sync_every == 0:
            started = time.monotonic()
            report = agent.run_once(pull=False)
            _say(f"SYNC {report.state} {report.acknowledged} {time.monotonic() - started:.6f}")
    _say("DONE")


def sync(root: Path, rounds: int) -> None:
    ctx = TillContext.open(root)
    agent = ctx.agent()
    for _ in range(rounds):
        report = agent.run_once(pull=False)
        if ctx.outbox.pending_count() == 0 and report.state == "online":
            break
        time.sleep(0.2)
    _say(f"LEFT {ctx.outbox.pending_count()}")


def resend(root: Path, since: str) -> None:
    ctx = TillContext.open(root)
    _say(f"RESENT {ctx.outbox.resend_since(date.fromisoformat(since))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tillproc")
    sub = parser.add_subparsers(dest="command", required=True)
    p_enroll = sub.add_parser("enroll")
    p_enroll.add_argument("--dir", required=True, type=Path)
    p_enroll.add_argument("--server", required=True)
    p_enroll.add_argument("--code", required=True)
    p_enroll.add_argument("--timeout", type=float, default=5.0)
    p_run = sub.add_parser("run")
    p_run.add_argument("--dir", required=True, type=Path)
    p_run.add_argument("--sales", type=int, default=10)
    p_run.add_argument("--sync-every", type=int, default=1)
    p_run.add_argument("--seed", type=int, default=0)
    p_run.add_argument("--households", default="")
    p_run.add_argument("--seconds", type=float, default=0.0, help="sell for this long instead")
    p_run.add_argument("--pause", type=float, default=0.0, help="mean seconds between sales")
    p_sync = sub.add_parser("sync")
    p_sync.add_argument("--dir", required=True, type=Path)
    p_sync.add_argument("--rounds", type=int, default=50)
    p_resend = sub.add_parser("resend")
    p_resend.add_argument("--dir", required=True, type=Path)
    p_resend.add_argument("--since", required=True)
    args = parser.parse_args(argv)
    if args.command == "enroll":
        enroll(args.dir, args.server, args.code, args.timeout)
    elif args.command == "run":
        households = [code for code in args.households.split(",") if code]
        run(
            args.dir,
            args.sales,
            args.sync_every,
            args.seed,
            households,
            args.seconds,
            args.pause,
        )
    elif args.command == "resend":
        resend(args.dir, args.since)
    else:
        sync(args.dir, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
