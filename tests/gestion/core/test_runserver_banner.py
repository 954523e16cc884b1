"""`make run` speaks French: the development server's banner says where la gestion is and how to
stop it, with none of Django's English lines."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ENGLISH = (
    "Performing system checks",
    "Starting development server",
    "Quit the server",
    "Watching for file changes",
    "This is a development server",
    "Django version",
    "unapplied migration",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_development_server_banner_is_french(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CABAS_DEBUG": "true",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CABAS_TESTING", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "cabas.gestion.cli", "runserver", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        lines: list[str] = []
        assert server.stdout is not None
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "pour arrêter" in line:
                break
        output = "".join(lines)
        assert f"La gestion : http://127.0.0.1:{port}/  (Ctrl+C pour arrêter)" in output, output
        assert "migrations de la base ne sont pas appliquées" in output  # a fresh database
        for english in ENGLISH:
            assert english not in output, output
    finally:
        server.terminate()
        server.wait(timeout=20)
