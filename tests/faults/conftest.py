"""The fault harness: a real server (gunicorn through `cabas serve`, several workers, on a random
loopback port) on a database of its own, created for the session on the engine the suite runs
on (``DATABASE_URL``: SQLite, PostgreSQL or MariaDB), and real tills in their own processes.

Sizes: small by default (the CI runs the suite three times); ``CABAS_FAULTS_FULL=1`` (``make
faults``) runs the full size the issue asks for. Every scenario ends with `assert_consistent`:
the ticket ids the tills wrote are exactly the ids stored, none was refused, no file on a till is
half-written, and stock and spending equal the sums of the stored tickets.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

FULL = os.environ.get("CABAS_FAULTS_FULL", "") == "1"
ROOT = Path(__file__).resolve().parents[2]

# The replication drill starts database servers and takes a minute or two per engine: it runs
# with `make faults` (or CABAS_FAULTS_REPLICATION=1), not in the three passes of the CI suite.
collect_ignore = (
    [] if FULL or os.environ.get("CABAS_FAULTS_REPLICATION") == "1" else ["test_replication.py"]
)


def size(small: int, full: int) -> int:
    """`small` in the ordinary suite, `full` under CABAS_FAULTS_FULL=1 (``make faults``)."""
    return full if FULL else small


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "PYTEST_", "CABAS_"))
    }
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "cabas.gestion.settings",
            "CABAS_TESTING": "true",  # fast password hashing; nothing else changes
            "CABAS_DEBUG": "false",
            "CABAS_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CABAS_CAISSE_KEYRING": "0",
            "CABAS_LOG_LEVEL": "WARNING",
        }
    )
    return env


# -- a database of the harness's own ------------------------------------------------------------
@dataclass
class Database:
    url: str
    drop: Any = None

    @classmethod
    def create(cls, tmp: Path, base: str | None = None) -> Database:
        """A new database on the server of `base` (default: the suite's DATABASE_URL), or an
        SQLite file in `tmp`."""
        base = os.environ.get("DATABASE_URL", "") if base is None else base
        scheme = urlsplit(base).scheme
        name = f"cabas_faults_{secrets.token_hex(4)}"
        if scheme.startswith("postgres"):
            import psycopg

            parts = urlsplit(base)
            admin = urlunsplit(parts._replace(path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')

            def drop_pg() -> None:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

            return cls(urlunsplit(parts._replace(path=f"/{name}")), drop_pg)
        if scheme.startswith("mysql"):
            import MySQLdb

            parts = urlsplit(base)
            connect = {
                "host": parts.hostname or "127.0.0.1",
                "port": parts.port or 3306,
                "user": parts.username or "root",
                "password": parts.password or "",
            }
            conn = MySQLdb.connect(**connect)
            conn.cursor().execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
            conn.close()

            def drop_my() -> None:
                conn = MySQLdb.connect(**connect)
                conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
                conn.close()

            return cls(urlunsplit(parts._replace(path=f"/{name}")), drop_my)
        return cls(f"sqlite:///{tmp / 'faults.sqlite3'}")


# -- the server ---------------------------------------------------------------------------------
@dataclass
class FaultServer:
    root: Path
    db_url: str
    replica_url: str = ""
    workers: int = 3
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = base_env()
        env.update(
            {
                "DATABASE_URL": self.db_url,
                "CABAS_VAR_DIR": str(self.root / "var"),
                "CABAS_BIND": f"127.0.0.1:{self.port}",
                "CABAS_WORKERS": str(self.workers),
            }
        )
        if self.replica_url:
            env["DATABASE_REPLICA_URL"] = self.replica_url
        return env

    def cabas(self, *args: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "cabas.gestion.cli", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def ctl(self, *args: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "tests.faults.serverctl", *args],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def start(self) -> None:
        if not self.port:
            self.port = free_port()
        self.log = open(self.root / "gunicorn.log", "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cabas.gestion.cli",
                "serve",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--access-logfile",
                "/dev/null",
            ],
            env=self.env(),
            cwd=self.root,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/api/pos/v1/snapshot", timeout=2):
                    pass
                return
            except urllib.error.HTTPError:
                return  # 401: the server answers
            except OSError:
                assert self.process.poll() is None, (self.root / "gunicorn.log").read_text()[-3000:]
                time.sleep(0.2)
        raise AssertionError("gunicorn did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.log is not None:
            self.log.close()
            self.log = None

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        pid = self.process.pid
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]


@pytest.fixture(scope="session")
def fault_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultServer]:
    root = tmp_path_factory.mktemp("fault-server")
    database = Database.create(root)
    server = FaultServer(root=root, db_url=database.url)
    try:
        server.cabas("migrate", "--noinput", "-v0")
        server.start()
        yield server
    finally:
        server.stop()
        if database.drop is not None:
            database.drop()


# -- tills --------------------------------------------------------------------------------------
def till_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.faults.tillproc", *args]


def run_till(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        till_command(*args),
        env=base_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout


@dataclass
class Shop:
    slug: str
    seed: dict[str, Any]
    tills: list[Path] = field(default_factory=list)
    confirmed: set[str] = field(default_factory=set)


def open_shop(
    server: FaultServer,
    tmp: Path,
    name: str,
    *,
    tills: int = 1,
    url: str = "",
    timeout: float = 20.0,
) -> Shop:
    slug = f"{name}-{secrets.token_hex(3)}"
    shop = Shop(slug=slug, seed=server.ctl("seed", "--slug", slug, "--tills", str(tills)))
    for number, code in enumerate(shop.seed["enrollment_codes"]):
        folder = tmp / f"{name}-till-{number}"
        out = run_till(
            "enroll",
            "--dir",
            str(folder),
            "--server",
            url or server.url,
            "--code",
            code,
            "--timeout",
            str(timeout),
        )
        assert "ENROLLED online" in out, out
        shop.tills.append(folder)
    return shop


def paid_ids(output: str) -> set[str]:
    return {line.split()[1] for line in output.splitlines() if line.startswith("PAID ")}


def _ticket_ids(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {p.name[: -len(".json")] for p in folder.glob("*.json")}


def till_files_report(folder: Path) -> dict[str, Any]:
    """Every final-named file of a till that fails to parse (must be none) and the temporary
    files an interrupted atomic write left behind (harmless: ignored by every reader)."""
    broken = []
    temps = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            temps.append(path)
        elif path.suffix == ".json":
            try:
                json.loads(path.read_text("utf-8"))
            except (UnicodeDecodeError, ValueError):
                broken.append(path)
    return {"broken": broken, "temps": temps}


def assert_consistent(server: FaultServer, shop: Shop) -> dict[str, Any]:
    """Drain every till, then compare the tills' files with what the server stored."""
    written: set[str] = set()
    temps = 0
    for folder in shop.tills:
        out = run_till("sync", "--dir", str(folder))
        assert "LEFT 0" in out, f"{folder.name}: tickets still waiting: {out}"
        assert not _ticket_ids(folder / "Ventes")
        assert not _ticket_ids(folder / "Rejetes"), "the server refused a ticket"
        quarantine = folder / "Quarantaine"
        assert not quarantine.exists() or not list(quarantine.iterdir()), "a ticket was unreadable"
        files = till_files_report(folder)
        assert not files["broken"], f"half-written files: {files['broken']}"
        temps += len(files["temps"])
        for day in (folder / "Journal").glob("*"):
            written |= _ticket_ids(day)
    stored = server.ctl("verify", "--slug", shop.slug)
    stored_ids = set(stored["ticket_ids"])
    assert len(stored_ids) == len(stored["ticket_ids"])
    lost = written - stored_ids
    extra = stored_ids - written
    assert not lost, f"{len(lost)} ticket(s) lost"
    assert not extra, f"{len(extra)} ticket(s) stored that no till has"
    assert shop.confirmed <= written, "a sale confirmed to the cashier is not on the till"
    for product, initial in shop.seed["products"].items():
        assert stored["stock"][product] == initial - stored["sold"].get(product, 0), product
    assert stored["spending"] == stored["spent_by_tickets"]
    assert stored["ledger_differences"] == 0
    return {"tickets": len(stored_ids), "confirmed": len(shop.confirmed), "temp_files": temps}
