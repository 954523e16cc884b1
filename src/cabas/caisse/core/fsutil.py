"""Crash-safe file writes and the inter-process lock of the data folder.

A file that matters (a ticket, the snapshot, the configuration) is written to a temporary file
in the same folder, flushed and fsync'ed, renamed over its final name with ``os.replace`` (atomic
on every supported platform), and the folder itself is fsync'ed so that the rename survives a
power cut. Temporary names never end in ``.json``: readers ignore them.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

IS_WINDOWS = sys.platform == "win32"
TEMP_SUFFIX = ".tmp"


def fsync_dir(folder: Path) -> None:
    """Make a rename or a creation in ``folder`` durable (no-op where folders cannot be opened,
    i.e. on Windows, whose NTFS journal already orders metadata updates)."""
    if IS_WINDOWS:
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(path: Path) -> Path:
    """A unique temporary name beside ``path``, hidden and not ending in .json."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def _temp_owner(name: str) -> int | None:
    """The pid in a temporary name made by ``temp_path_for``, None if it is not one."""
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        return None
    parts = name[: -len(TEMP_SUFFIX)].rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return int(parts[1])


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # POSIX only: signal 0 checks the process exists, sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return True
    return True


def clean_stale_temp_files(folders: Iterable[Path], *, max_age: float = 600) -> int:
    """Delete the temporary files a killed writer left (a crash mid-write), never one a live
    writer may still own: on POSIX, only when the pid in its name is not running, or when it
    is older than ``max_age`` seconds (no write takes that long; the pid was reused); on
    Windows a file still open by its writer cannot be deleted, which says it is live.
    Returns how many went."""
    removed = 0
    now = time.time()
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        for entry in entries:
            pid = _temp_owner(entry.name)
            if pid is None or not entry.is_file(follow_symlinks=False):
                continue
            try:
                old = now - entry.stat(follow_symlinks=False).st_mtime > max_age
                if not IS_WINDOWS and not old and _process_alive(pid):
                    continue
                if IS_WINDOWS and not old and pid == os.getpid():
                    continue
                os.unlink(entry.path)
                removed += 1
            except (FileNotFoundError, PermissionError):
                continue  # gone meanwhile, or still open by its writer (Windows)
    return removed


def atomic_write_bytes(
    path: Path, data: bytes, *, mode: int = 0o600, sync_dir: bool = True
) -> None:
    """Write ``data`` to ``path`` so that ``path`` holds either its old or its new content,
    never a part of it, even after a crash or a power cut. Raises OSError on a disk error
    (the caller must then NOT act as if the data were saved)."""
    tmp = temp_path_for(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if sync_dir:
        fsync_dir(path.parent)


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def atomic_write_json(path: Path, data: Any, *, mode: int = 0o600) -> None:
    atomic_write_bytes(path, json_bytes(data), mode=mode)


def durable_move(source: Path, target: Path, *, sync: bool = True) -> None:
    """Rename ``source`` to ``target`` (same file system) and make both folders durable
    (``sync=False``: the caller fsyncs the folders once for a whole batch)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    if sync:
        fsync_dir(target.parent)
        if source.parent != target.parent:
            fsync_dir(source.parent)


class LockBusy(Exception):  # noqa: N818 - a state, not an error
    """Another process (or thread) holds the lock."""


class FileLock:
    """An exclusive, non-blocking lock on a file, released by the OS when the process dies
    (``flock`` on POSIX, ``msvcrt.locking`` on Windows): a killed sync agent never leaves a
    stale lock behind. Not re-entrant."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[bytes] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        try:
            if IS_WINDOWS:
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            raise LockBusy(str(self.path)) from exc
        self._handle = handle

    def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            if IS_WINDOWS:
                import msvcrt

                handle.seek(0)
                msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        finally:
            handle.close()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()
