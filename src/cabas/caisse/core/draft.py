"""The sale in progress, kept on disk so that a crash (a power cut, a killed till) does not
lose the cart and the payments already entered: ``vente-en-cours.json``, written crash-safely
(temp file, fsync, rename, fsync of the folder). It is not a ticket: nothing sends it, and
the till offers to resume it at the next sign-in.

A scan must stay instant: it only marks the draft as changed (``touch``). A background thread
reads the newest state of the cart and writes it, at most once per ``DEBOUNCE_SECONDS`` and
only when it changed, so a burst of scans makes one or two writes, never one fsync per scan.
A payment is written at once (``flush``), before the screen shows it. The draft carries the
id the ticket will have: a draft whose ticket is already on disk (a crash between the
ticket's write and the draft's removal) is stale and dropped, so a sale is never counted
twice.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cabas.caisse.core.fsutil import atomic_write_bytes, fsync_dir, json_bytes

DRAFT_FORMAT = 1
# A crash loses at most the scans of this last moment (and never a payment).
DEBOUNCE_SECONDS = 0.02

State = Callable[[], dict[str, Any] | None]
"""The newest state of the sale in progress as a JSON object, or None when there is none."""


class DraftStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._state: Callable[[], State | None] = lambda: None
        self._io = threading.Lock()  # one write at a time
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._written: bytes | None = None  # what the file holds (None: no file)
        self.error: OSError | None = None

    def attach(self, state: Callable[[], dict[str, Any] | None]) -> None:
        """The method that gives the sale's state (``Till._draft_state``), held weakly: the
        writer thread must not keep a closed till (and its window) alive."""
        self._state = weakref.WeakMethod(state)

    def load(self) -> dict[str, Any] | None:
        """The draft left by the previous run, or None (missing, damaged or foreign: the
        rename is atomic, so a half-written draft never exists)."""
        try:
            raw = self.path.read_bytes()
            data = json.loads(raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != DRAFT_FORMAT:
            return None
        self._written = raw
        return data

    def touch(self) -> None:
        """The sale changed: the writer thread saves it soon (a few microseconds here)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cabas-draft", daemon=True)
            self._thread.start()
        self._wake.set()

    def flush(self) -> None:
        """Save the newest state now, durably (a payment; the window closing)."""
        self._wake.clear()
        self._write()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            time.sleep(DEBOUNCE_SECONDS)  # the rest of a burst of scans goes in this write
            self._wake.clear()
            self._write()

    def _write(self) -> None:
        with self._io:
            state = self._state()
            if state is None:
                return  # the till is gone
            try:
                data = state()
                if data is None:
                    if self._written is not None or self.path.exists():
                        self.path.unlink(missing_ok=True)
                        fsync_dir(self.path.parent)
                    self._written = None
                else:
                    payload = json_bytes({"format": DRAFT_FORMAT, **data})
                    if payload != self._written:
                        atomic_write_bytes(self.path, payload)
                        self._written = payload
                self.error = None
            except OSError as exc:
                # The sale goes on (it is not a ticket yet); the next change tries again.
                self.error = exc
                self._written = b""
