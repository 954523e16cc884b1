"""Replication and the fail-over drill of docs/operations.md, run for real with the scripts.

Tickets are written to the primary through the server while the reports read from the replica
(`reporting_database()`); then the primary is killed (no clean shutdown: PostgreSQL's immediate
stop, SIGKILL for MariaDB) while the tills are selling and syncing, the replica is promoted, the
server is pointed at it, the tills (which kept selling meanwhile) resume and re-send their
journal of the day: nothing lost, nothing counted twice.

Each engine runs a primary/replica pair of its own, on free ports with its files under var/
(scripts/replica-postgres.sh: a fresh primary cluster and a streaming replica of it;
scripts/replica-mariadb.sh: a GTID binlog pair): the shared servers cannot be stopped, ours
can. The drill runs on the engine of the suite; in the SQLite pass, which has no replication,
it runs the MariaDB drill, the quicker of the two to set up.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.faults.conftest import (
    ROOT,
    Database,
    FaultServer,
    assert_consistent,
    free_port,
    open_shop,
    paid_ids,
    run_till,
    size,
)
from tests.faults.killing import TillProcess

SUITE_URL = os.environ.get("DATABASE_URL", "")
ENGINE = "postgres" if urlsplit(SUITE_URL).scheme.startswith("postgres") else "mariadb"


def script(name: str, action: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / name), action],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


class Replication:
    """The primary/replica pair of one engine, driven through the scripts."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.database: Database | None = None
        self.primary_port = free_port()
        self.replica_port = free_port()
        self.env = {
            "PRIMARY_PORT": str(self.primary_port),
            "REPLICA_PORT": str(self.replica_port),
            "REPLICA_ROOT": str(tmp / ENGINE),
        }
        if ENGINE == "postgres":
            self.name = "replica-postgres.sh"
            self.primary_base = f"postgres://postgres@127.0.0.1:{self.primary_port}/postgres"
        else:
            self.name = "replica-mariadb.sh"
            self.primary_base = f"mysql://root@127.0.0.1:{self.primary_port}/mysql"

    def up(self) -> tuple[str, str]:
        """Start the pair, create the server's database on the primary; both URLs."""
        script(self.name, "up", self.env)
        self.database = Database.create(self.tmp, self.primary_base)
        primary_url = self.database.url
        parts = urlsplit(primary_url)
        replica_url = urlunsplit(
            parts._replace(
                netloc=parts.netloc.replace(f":{self.primary_port}", f":{self.replica_port}")
            )
        )
        return primary_url, replica_url

    def kill_primary(self) -> None:
        """The primary dies at once, as on a power cut: no checkpoint, no goodbye to clients."""
        if ENGINE == "postgres":
            script(self.name, "kill-primary", self.env)
            return
        folder = self.tmp / ENGINE / f"mariadb-{self.primary_port}"
        pid = int((folder / "mysqld.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    def promote(self) -> None:
        script(self.name, "promote", self.env)

    def down(self) -> None:
        script(self.name, "down", self.env)


def sell(folder: Path, sales: int, seed: int) -> set[str]:
    return paid_ids(
        run_till("run", "--dir", str(folder), "--sales", str(sales), "--seed", str(seed))
    )


def wait_for_replica(server: FaultServer, slug: str, expected: int) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        seen = server.ctl("report", "--slug", slug)
        if seen["tickets"] == expected or time.monotonic() > deadline:
            return seen
        time.sleep(0.3)


@pytest.mark.slow
def test_reports_read_the_replica_and_a_fail_over_loses_nothing(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("the replication drill starts database servers: run it as root (CI does)")
    # The database servers run as the postgres / mysql users, who cannot enter pytest's
    # private temporary folder: their files go under the project's var/, in a folder of this
    # run's own (CI runs the PostgreSQL and MariaDB passes side by side).
    work = ROOT / "var" / "faults" / f"{tmp_path.name}-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    pair = Replication(work)
    server: FaultServer | None = None
    timings: dict[str, float] = {}
    started = time.monotonic()
    try:
        primary_url, replica_url = pair.up()
        timings["pair up"] = time.monotonic() - started
        server = FaultServer(root=tmp_path, db_url=primary_url, replica_url=replica_url)
        server.cabas("migrate", "--noinput", "-v0")
        server.start()
        shop = open_shop(server, tmp_path, "replica", tills=2)
        sales = size(5, 100)

        # Tickets are written to the primary; the reports read them from the replica.
        for number, folder in enumerate(shop.tills):
            shop.confirmed |= sell(folder, sales, number)
        stored = server.ctl("verify", "--slug", shop.slug)
        seen = wait_for_replica(server, shop.slug, len(stored["ticket_ids"]))
        assert seen["database"] == "replica"
        assert seen["tickets"] == len(stored["ticket_ids"]) == 2 * sales
        assert seen["levels"] == stored["stock"]

        # The primary dies while both tills sell and sync; they go on selling, offline.
        tills = [
            TillProcess.selling(folder, sales=sales, seed=100 + number, pause=0.05)
            for number, folder in enumerate(shop.tills)
        ]
        for till in tills:
            till.read_until("PAID ", max(2, sales // 3))
        killed = time.monotonic()
        pair.kill_primary()
        for out in [till.finish() for till in tills]:
            shop.confirmed |= paid_ids(out)
            rounds = [line.split()[1] for line in out.splitlines() if line.startswith("SYNC ")]
            assert "online" in rounds and "offline" in rounds, rounds  # some before, some after
        timings["tills sold through the loss"] = time.monotonic() - killed

        # Fail-over: promote the replica, point the server at it, the tills resume.
        step = time.monotonic()
        pair.promote()
        timings["promote"] = time.monotonic() - step
        step = time.monotonic()
        server.stop()
        server.db_url, server.replica_url = replica_url, ""
        server.start()
        timings["server restarted on the new primary"] = time.monotonic() - step
        step = time.monotonic()
        for folder in shop.tills:
            out = run_till("resend", "--dir", str(folder), "--since", date.today().isoformat())
            assert out.startswith("RESENT ")
        result = assert_consistent(server, shop)
        timings["re-send and drain"] = time.monotonic() - step
        timings["kill to consistent"] = time.monotonic() - killed
        assert result["tickets"] == result["confirmed"] == 4 * sales
        figures = {key: round(value, 1) for key, value in timings.items()}
        print(f"replication ({ENGINE}): {result}, seconds {figures}")
    finally:
        if server is not None:
            server.stop()
        pair.down()
        shutil.rmtree(work, ignore_errors=True)
