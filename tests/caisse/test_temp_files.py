"""Temporary files left by a till killed mid-write are cleaned at the next start, and only
those: a file a live writer is still writing is never touched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cabas.caisse.core.app import TillContext
from cabas.caisse.core.fsutil import TEMP_SUFFIX, clean_stale_temp_files, temp_path_for
from tests.caisse.fakes import enrolled_dir

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

# A writer that stops for good between writing its temporary file and fsync'ing it.
WRITER = """
import sys, time
from pathlib import Path
from cabas.caisse.core import fsutil
fsutil.os.fsync = lambda fd: (print("writing", flush=True), time.sleep(120))
fsutil.atomic_write_bytes(Path(sys.argv[1]), b'{"id": "half"}')
"""


def start_writer(target: Path) -> subprocess.Popen[str]:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline().strip() == "writing"
    return writer


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX))


def test_a_temp_file_left_by_a_till_killed_mid_write_is_removed_at_the_next_start(tmp_path):
    data = enrolled_dir(tmp_path / "till")
    writer = start_writer(data.ventes / "3f0c5a36-0000-4000-8000-000000000001.json")
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    left = temp_files(data.ventes)
    assert len(left) == 1 and left[0].startswith(".3f0c5a36")

    TillContext.open(data.root)

    assert temp_files(data.ventes) == []
    assert os.listdir(data.ventes) == [], "no ticket appeared from the half-written file"


def test_a_temp_file_a_live_writer_owns_is_left_alone(tmp_path):
    data = enrolled_dir(tmp_path / "till")
    writer = start_writer(data.ventes / "3f0c5a36-0000-4000-8000-000000000002.json")
    try:
        mine = temp_path_for(data.root / "status.json")  # this process, writing right now
        mine.write_bytes(b"{}")

        TillContext.open(data.root)

        assert len(temp_files(data.ventes)) == 1
        assert mine.exists()
    finally:
        writer.kill()
        writer.wait(10)
    TillContext.open(data.root)
    assert temp_files(data.ventes) == []


def test_an_old_temp_file_is_stale_even_if_its_pid_was_reused_and_other_files_stay(tmp_path):
    folder = tmp_path / "Ventes"
    folder.mkdir()
    reused = folder / f".a.json.{os.getpid()}.0badc0de{TEMP_SUFFIX}"
    reused.write_bytes(b"{")
    an_hour_ago = time.time() - 3600
    os.utime(reused, (an_hour_ago, an_hour_ago))
    kept = [folder / "ticket.json", folder / ".hidden", folder / f"notes{TEMP_SUFFIX}"]
    for path in kept:
        path.write_bytes(b"{}")
    assert clean_stale_temp_files([folder, tmp_path / "missing"]) == 1
    assert not reused.exists()
    assert all(path.exists() for path in kept)
