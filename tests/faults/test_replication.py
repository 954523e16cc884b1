"""Replication and the fail-over drill of docs/operations.md, run for real with the scripts.

Tickets are written to the primary through the server while the reports read from the replica
(`reporting_database()`); then the primary is lost, the replica is promoted, the server is
pointed at it, the tills (which kept selling meanwhile) resume and re-send their journal of the
day: nothing lost, nothing counted twice.

The drill runs on the engine of the suite: a PostgreSQL streaming replica of the suite's server
(scripts/replica-postgres.sh, a second cluster on a free port) or a MariaDB primary/replica pair
of its own (scripts/replica-mariadb.sh: binary logging cannot be turned on in the shared
server without restarting it). In the SQLite pass of the suite, which has no replication, it
runs the MariaDB drill, the quicker of the two to set up.
"""

from __future__ import annotations

import os
import shutil
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
        if ENGINE == "postgres":
            self.name = "replica-postgres.sh"
            primary = urlsplit(SUITE_URL)
            self.primary_port = primary.port or 5432
            self.replica_port = free_port()
            self.env = {
                "PRIMARY_PORT": str(self.primary_port),
                "REPLICA_PORT": str(self.replica_port),
                "REPLICA_DIR": str(tmp / "pg-replica"),
            }
            self.primary_base = SUITE_URL
        else:
            self.name = "replica-mariadb.sh"
            self.primary_port = free_port()
            self.replica_port = free_port()
            self.env = {
                "PRIMARY_PORT": str(self.primary_port),
                "REPLICA_PORT": str(self.replica_port),
                "REPLICA_ROOT": str(tmp / "mariadb"),
            }
            self.primary_base = f"mysql://root@127.0.0.1:{self.primary_port}/mysql"

    def up(self) -> tuple[str, str]:
        """Start the pair, create the server's database on the primary; both URLs."""
        if ENGINE == "postgres":
            self.database = Database.create(self.tmp, self.primary_base)
            script(self.name, "up", self.env)
        else:
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

    def lose_primary(self) -> None:
        """The primary is gone. The shared PostgreSQL server cannot be stopped for the others
        using it: nothing writes to it any more (the server is stopped and then pointed at
        the replica). The MariaDB primary is ours: it is shut down for real."""
        if ENGINE == "mariadb":
            folder = self.tmp / "mariadb" / f"mariadb-{self.primary_port}"
            subprocess.run(
                ["mariadb-admin", "-S", str(folder / "mysqld.sock"), "-u", "root", "shutdown"],
                check=True,
                timeout=60,
            )

    def promote(self) -> None:
        script(self.name, "promote", self.env)

    def down(self) -> None:
        script(self.name, "down", self.env)
        if ENGINE == "postgres" and self.database is not None and self.database.drop:
            self.database.drop()


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
    # private temporary folder: their files go under the project's var/.
    work = ROOT / "var" / "faults" / tmp_path.name
    work.mkdir(parents=True, exist_ok=True)
    pair = Replication(work)
    server: FaultServer | None = None
    try:
        primary_url, replica_url = pair.up()
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

        # The primary is lost: the server stops, the tills keep selling offline.
        server.stop()
        pair.lose_primary()
        for number, folder in enumerate(shop.tills):
            shop.confirmed |= sell(folder, sales, 100 + number)

        # Fail-over: promote the replica, point the server at it, the tills resume.
        pair.promote()
        server.db_url, server.replica_url = replica_url, ""
        server.start()
        for folder in shop.tills:
            out = run_till("resend", "--dir", str(folder), "--since", date.today().isoformat())
            assert out.startswith("RESENT ")
        result = assert_consistent(server, shop)
        assert result["tickets"] == result["confirmed"] == 4 * sales
        print(f"replication ({ENGINE}): {result}")  # noqa: T201
    finally:
        if server is not None:
            server.stop()
        pair.down()
        shutil.rmtree(work, ignore_errors=True)
