"""The sync agent: pushes waiting tickets and cash-session reports, pulls the snapshot.

Rules (docs/caisse.md): batches of at most 100 tickets, oldest first; a ticket file is deleted
from Ventes/ (moved to Journal/) only after the server answered `created` or `duplicate` for
its id; `rejected` goes to Rejetes/ with the reason; an unreadable file goes to Quarantaine/;
one bad ticket never blocks the others. One agent at a time per data folder (an OS file lock,
released when the process dies), so two agents never send concurrently.
"""

from __future__ import annotations

import errno
import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cabas.caisse.core.config import DataDir
from cabas.caisse.core.fsutil import FileLock, LockBusy, atomic_write_json
from cabas.caisse.core.link import BUSY, OFFLINE, ONLINE, UNAUTHORIZED, UNKNOWN, LinkState
from cabas.caisse.core.outbox import CorruptFile, Outbox, read_ticket_payload
from cabas.caisse.core.store import SnapshotStore, StoreError
from cabas.caisse.core.transport import ServerRefused, Transport, TransportError
from cabas.protocol import MAX_TICKETS_PER_BATCH, Snapshot, receipt_number

log = logging.getLogger(__name__)

SYNC_INTERVAL_SECONDS = 10.0
# Offline, the pause between two rounds doubles up to this many intervals (a minute for 10 s).
MAX_BACKOFF_INTERVALS = 6


@dataclass
class SyncReport:
    """What one round did."""

    state: LinkState = UNKNOWN
    sent: int = 0
    acknowledged: int = 0
    rejected: int = 0
    quarantined: int = 0
    snapshot_updated: bool = False
    message: str = ""
    problems: list[str] = field(default_factory=list)
    retry_after: float | None = None
    """The server is saturated (429 ``rate_limited``): wait at least this long (its
    ``Retry-After``, else one interval) before the next round."""


@dataclass
class SyncStatus:
    """Shared between the agent and `cabas-caisse status` (``status.json``)."""

    state: str = UNKNOWN
    last_success: str | None = None
    last_attempt: str | None = None
    message: str = ""

    @classmethod
    def load(cls, path: Path) -> SyncStatus:
        try:
            raw = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return cls()
        return cls(
            state=str(raw.get("state", UNKNOWN)),
            last_success=raw.get("last_success"),
            last_attempt=raw.get("last_attempt"),
            message=str(raw.get("message", "")),
        )

    def save(self, path: Path) -> None:
        atomic_write_json(path, self.__dict__)


def disk_problem(exc: OSError) -> str:
    """What the cashier is told when the till's disk fails during a sync."""
    what = "Disque plein" if exc.errno == errno.ENOSPC else "Erreur du disque"
    return (
        f"{what} ({exc.strerror or exc}) : la caisse n'a pas pu enregistrer les données de "
        "la synchronisation. Les tickets déjà envoyés sont bien sur le serveur ; libérez de "
        "la place sur le disque (ou prévenez le responsable)."
    )


class SyncAgent:
    def __init__(
        self,
        data: DataDir,
        transport: Transport,
        outbox: Outbox,
        store: SnapshotStore,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_snapshot: Callable[[Snapshot], None] | None = None,
        batch_size: int = MAX_TICKETS_PER_BATCH,
    ) -> None:
        self.data = data
        self.transport = transport
        self.outbox = outbox
        self.store = store
        self.now = now
        self.on_snapshot = on_snapshot
        self.batch_size = min(batch_size, MAX_TICKETS_PER_BATCH)
        self.lock = FileLock(data.sync_lock)
        self.status = SyncStatus.load(data.status_file)
        self._cursor: str | None = None

    # -- one round -------------------------------------------------------------------------
    def run_once(self, *, pull: bool = True) -> SyncReport:
        report = SyncReport()
        try:
            self.lock.acquire()
        except LockBusy:
            report.state = BUSY
            report.message = "Une autre synchronisation est en cours sur ce poste."
            return report
        try:
            self._round(report, pull=pull)
        finally:
            self.lock.release()
        self._record(report)
        return report

    def _round(self, report: SyncReport, *, pull: bool) -> None:
        try:
            self._push_sessions(report)
            self._push_tickets(report)
            if pull:
                self._pull(report)
            report.state = ONLINE
        except TransportError as exc:
            report.state = OFFLINE
            report.message = str(exc)
        except ServerRefused as exc:
            report.state = UNAUTHORIZED if exc.status == 401 else ONLINE
            report.message = exc.message
            if exc.code == "rate_limited":
                # Back-pressure, not a problem of this till: what was not acknowledged stays
                # in Ventes/ and goes with a later round, after the server's Retry-After.
                report.retry_after = exc.retry_after if exc.retry_after is not None else 0.0
            else:
                report.problems.append(exc.message)
        except StoreError as exc:
            report.state = ONLINE
            report.message = str(exc)
            report.problems.append(str(exc))
        except OSError as exc:
            # A full or failing disk (saving the snapshot, moving an acknowledged ticket):
            # what the server acknowledged stays acknowledged there; files left in Ventes/
            # are sent again (`duplicate`). Told to the person, never raised.
            report.state = ONLINE
            report.message = disk_problem(exc)
            report.problems.append(report.message)
        try:
            self.outbox.prune_journal(self.now().date())
        except OSError as exc:  # a full disk must not stop the agent
            report.problems.append(f"Nettoyage du journal impossible : {exc}")

    def _push_tickets(self, report: SyncReport) -> None:
        """Send every waiting ticket, oldest first, in batches. Ventes/ is listed once per
        pass (not once per batch: a backlog of thousands of files would be listed and stat'ed
        again for every 100 sent); a last pass picks up tickets sold meanwhile."""
        while True:
            waiting = self.outbox.pending_paths()
            if not waiting:
                return
            progress = False
            for start in range(0, len(waiting), self.batch_size):
                if self._push_batch(report, waiting[start : start + self.batch_size]):
                    progress = True
            if not progress:
                return  # nothing moved (server answers kept for later): next round

    def _push_batch(self, report: SyncReport, paths: list[Path]) -> bool:
        """Send the tickets of ``paths`` as one batch; True if any left Ventes/."""
        batch: list[tuple[Path, dict[str, Any]]] = []
        for path in paths:
            try:
                payload, _ticket = read_ticket_payload(path)
            except FileNotFoundError:
                continue  # acknowledged meanwhile by another agent
            except (CorruptFile, OSError) as exc:
                self.outbox.quarantine(path, f"Fichier de ticket illisible : {exc}")
                report.quarantined += 1
                report.problems.append(f"{path.name} mis en quarantaine : {exc}")
                continue
            # Sent as stored (it is the protocol's ticket object, just validated).
            batch.append((path, payload))
        if not batch:
            return False
        result = self.transport.send_tickets([payload for _, payload in batch])
        report.sent += len(batch)
        progress = 0
        moment = self.now()
        journal_day = self.outbox.journal_folder(moment)
        for (path, payload), outcome in zip(batch, result.results, strict=True):
            if outcome.id is not None and outcome.id != payload["id"]:
                # Results come in the order of the batch; a mismatch is a server bug: keep
                # the ticket and try again later rather than acknowledge the wrong one.
                report.problems.append(f"Réponse du serveur incohérente pour {payload['id']}.")
                continue
            if outcome.status in ("created", "duplicate"):
                self.outbox.acknowledge(path, now=moment, sync=False, folder=journal_day)
                report.acknowledged += 1
                progress += 1
            else:
                self.outbox.reject(path, payload, outcome.error)
                report.rejected += 1
                progress += 1
                reason = outcome.error.message if outcome.error else "raison inconnue"
                report.problems.append(f"Ticket {receipt_number(payload['id'])} refusé : {reason}")
        self.outbox.sync_folders(now=moment)
        return progress > 0

    def _push_sessions(self, report: SyncReport) -> None:
        try:
            paths = sorted(p for p in self.data.sessions.iterdir() if p.name.endswith(".json"))
        except FileNotFoundError:
            return
        for path in paths:
            try:
                payload = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError) as exc:
                self.outbox.quarantine(path, f"Session de caisse illisible : {exc}")
                report.quarantined += 1
                continue
            result = self.transport.send_cash_session(payload)
            if result.status == "rejected":
                reason = result.error.message if result.error else "raison inconnue"
                report.problems.append(f"Session de caisse refusée : {reason}")
                target = self.data.rejetes / f"session-{path.name}"
                atomic_write_json(target, {"error": reason, "session": payload})
            path.unlink()

    def _pull(self, report: SyncReport) -> None:
        if self._cursor is None:
            try:
                self._cursor = self.store.resume_cursor()
            except StoreError:
                self._cursor = None
        update = self.transport.snapshot(self._cursor)
        if (
            update.full
            or update.products
            or update.beneficiaries
            or update.cashiers
            or (update.categories or any(update.deleted.model_dump().values()))
            or update.cursor != self._cursor
        ):
            merged = self.store.apply(update, fetched_at=self.now())
            self._cursor = merged.cursor
            report.snapshot_updated = True
            if self.on_snapshot is not None:
                self.on_snapshot(merged)

    def _record(self, report: SyncReport) -> None:
        moment = self.now().isoformat()
        self.status.state = report.state
        self.status.last_attempt = moment
        self.status.message = report.message
        if report.state == ONLINE and report.retry_after is None:
            self.status.last_success = moment
        try:
            self.status.save(self.data.status_file)
        except OSError as exc:
            log.warning("cannot write status: %s", exc)

    # -- forever ---------------------------------------------------------------------------
    def run_forever(
        self,
        stop: threading.Event,
        *,
        interval: float = SYNC_INTERVAL_SECONDS,
        on_report: Callable[[SyncReport], None] | None = None,
        wake: threading.Event | None = None,
    ) -> None:
        offline = 0
        while not stop.is_set():
            try:
                report = self.run_once()
            except Exception as exc:
                log.exception("sync round failed")
                report = SyncReport(state=OFFLINE, message=f"Erreur inattendue : {exc}")
            if on_report is not None:
                on_report(report)
            offline = offline + 1 if report.state == OFFLINE else 0
            pause = next_pause(report, interval, offline)
            # A sale wakes the agent early, but never before a saturated server said to come
            # back: a thousand tills' sales would otherwise undo its Retry-After.
            waiter = wake if wake is not None and report.retry_after is None else stop
            waiter.wait(pause)
            if wake is not None:
                wake.clear()


def next_pause(
    report: SyncReport, interval: float, offline_rounds: int, rng: random.Random | None = None
) -> float:
    """Seconds before the next round, spread at random so that the tills of every shop, which
    came back together after an outage of the server, do not all come back again in step
    every ``interval``: about one interval when all is well (±20 %); offline, a pause that
    doubles with each round up to :data:`MAX_BACKOFF_INTERVALS` intervals, drawn between
    half of it and all of it; rate-limited, the server's Retry-After (at least one interval)
    plus up to half of it again."""
    draw = (rng or random).uniform
    if report.retry_after is not None:
        wait = max(report.retry_after, interval)
        return wait * draw(1.0, 1.5)
    if offline_rounds > 0:
        ceiling = interval * min(2 ** (offline_rounds - 1), MAX_BACKOFF_INTERVALS)
        return draw(ceiling / 2, ceiling)
    return interval * draw(0.8, 1.2)
