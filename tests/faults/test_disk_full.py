"""The till's disk full while it writes a ticket: the sale is NOT confirmed to the cashier (no
"payé", the cart and the amount stay on screen), nothing already saved is damaged, no partial
file is left, and once space is freed the same sale goes through and reaches the server.

On a real size-limited file system (a tmpfs of 256 KiB mounted for the test, which needs root:
the CI runs as root) and, everywhere, with ENOSPC injected at each system call of the write
(write, fsync, rename, fsync of the folder)."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cabas.caisse.core import fsutil
from cabas.caisse.core.app import TillContext
from cabas.caisse.core.till import Till
from tests.caisse.fakes import TZ, FakeServer, FakeView, enrolled_dir, make_snapshot
from tests.conftest import require_tool

NOW = datetime(2026, 11, 12, 10, 30, tzinfo=ZoneInfo(TZ))


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CABAS_CAISSE_KEYRING", "0")


def open_till(root: Path, server: FakeServer) -> tuple[TillContext, Till, FakeView]:
    enrolled_dir(root)
    ctx = TillContext.open(root, transport=server, now=lambda: NOW)
    ctx.store.save(server.snapshot_value, fetched_at=NOW)
    view = FakeView()
    till = ctx.till(view, now=lambda: NOW)
    assert till.sign_in(7, "1234")
    return ctx, till, view


def files_are_whole(root: Path) -> list[str]:
    """Problems: a ticket file that does not parse, or a temporary file left behind."""
    problems = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.name.endswith(fsutil.TEMP_SUFFIX):
            problems.append(f"temporary file left: {path.name}")
        elif path.suffix == ".json":
            try:
                json.loads(path.read_text("utf-8"))
            except (UnicodeDecodeError, ValueError):
                problems.append(f"half-written: {path.name}")
    return problems


@contextlib.contextmanager
def small_filesystem(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    require_tool("a size-limited file system", mounted, "mounting a tmpfs needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler.bin"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 512)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def sell(till: Till, view: FakeView) -> Any:
    till.add_product(1, 2)
    till.add_product(3, 1)
    return till.add_payment("cash")


def test_a_full_disk_refuses_the_sale_damages_nothing_and_the_sale_goes_through_later(
    tmp_path: Path,
) -> None:
    server = FakeServer(make_snapshot())
    with small_filesystem(tmp_path / "disk", "256k") as disk:
        ctx, till, view = open_till(disk / "till", server)
        saved_before = [sell(till, view) for _ in range(3)]
        assert all(saved_before)
        filler = fill(disk)

        refused = sell(till, view)

        assert refused is None, "a sale was confirmed although it could not be saved"
        assert len(view.paid) == 3
        assert "n'a pas pu être enregistré" in view.texts("error")[-1]
        assert till.lines, "the cart stays on screen for the cashier to try again"
        assert not till.payments
        assert ctx.outbox.pending_count() == 3
        assert files_are_whole(disk / "till") == []
        # The agent still delivers what waits (acknowledging is a rename: no new space).
        report = ctx.agent().run_once(pull=False)
        assert report.state == "online"
        assert ctx.outbox.pending_count() == 0

        filler.unlink()
        confirmed = till.add_payment("cash")
        assert confirmed is not None
        ctx.agent().run_once()
        sent = {str(t.id) for t in saved_before} | {str(confirmed.id)}
        assert set(server.stored) == sent
        assert ctx.outbox.pending_count() == 0
        assert files_are_whole(disk / "till") == []


@pytest.mark.parametrize("call", ["write", "fsync", "replace", "fsync_dir"])
def test_enospc_at_any_step_of_the_write_refuses_the_sale_and_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    server = FakeServer(make_snapshot())
    ctx, till, view = open_till(tmp_path / "till", server)
    assert sell(till, view) is not None
    full = OSError(errno.ENOSPC, "No space left on device")

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise full

    if call == "write":
        real_fdopen = os.fdopen

        class FullHandle:
            def __init__(self, handle: Any) -> None:
                self.handle = handle

            def __enter__(self) -> FullHandle:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, data: bytes) -> int:
                self.handle.write(data[: len(data) // 2])  # a part reaches the disk
                self.handle.flush()
                raise full

            def __getattr__(self, name: str) -> Any:
                return getattr(self.handle, name)

        monkeypatch.setattr(fsutil.os, "fdopen", lambda *a, **k: FullHandle(real_fdopen(*a, **k)))
    elif call == "fsync":
        monkeypatch.setattr(fsutil.os, "fsync", fail)
    elif call == "replace":
        monkeypatch.setattr(fsutil.os, "replace", fail)
    else:
        monkeypatch.setattr(fsutil, "fsync_dir", fail)

    refused = sell(till, view)

    monkeypatch.undo()
    monkeypatch.setenv("CABAS_CAISSE_KEYRING", "0")
    assert refused is None, "a sale was confirmed although it could not be saved"
    assert len(view.paid) == 1
    # Even when the error comes after the rename (fsync of the folder), the refused ticket
    # must not stay in Ventes/: the cashier retries, and it would be counted twice.
    assert ctx.outbox.pending_count() == 1
    # The sale in progress is saved by a thread of its own (draft.py): a scan that meets it
    # mid-write would see its temporary file, as a crash at that instant would leave it.
    with till.draft._io:  # type: ignore[union-attr]
        assert files_are_whole(tmp_path / "till") == []
    retried = till.add_payment("cash")
    assert retried is not None
    ctx.agent().run_once()
    assert ctx.outbox.pending_count() == 0
    assert sorted(server.stored) == sorted(str(t.id) for t, _ in view.paid)


def test_a_full_disk_while_the_agent_saves_the_snapshot_is_reported_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    server = FakeServer(make_snapshot())
    with small_filesystem(tmp_path / "disk", "256k") as disk:
        ctx, till, view = open_till(disk / "till", server)
        sold = [sell(till, view) for _ in range(3)]
        server.snapshot_value = make_snapshot(cursor="c2", products=40)
        filler = fill(disk)

        report = ctx.agent().run_once()  # sends, then cannot save the new snapshot

        assert report.state == "online"
        assert "Disque plein" in report.message and report.message in report.problems
        assert set(server.stored) == {str(t.id) for t in sold}
        assert ctx.outbox.pending_count() == 0
        assert files_are_whole(disk / "till") == []
        assert ctx.store.load()[0].cursor == "c1"  # the old local data still loads
        filler.unlink()
        assert ctx.agent().run_once().snapshot_updated
        assert ctx.store.load()[0].cursor == "c2"
