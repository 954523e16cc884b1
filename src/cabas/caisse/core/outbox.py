"""The outbox: ``Ventes/`` (tickets not yet acknowledged), ``Rejetes/`` (refused by the
server, with the reason), ``Journal/<date>/`` (acknowledged, kept 30 days) and
``Quarantaine/`` (unreadable files found in Ventes/, kept and reported).

A ticket file holds exactly the protocol's ticket object as UTF-8 JSON. It is written crash-
safely (temp file, fsync, rename, fsync of the folder) before the cashier sees "payé"; files
whose name does not end in ``.json`` are in progress and ignored.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from cabas.caisse.core.config import DataDir
from cabas.caisse.core.fsutil import atomic_write_bytes, atomic_write_json, durable_move, fsync_dir
from cabas.protocol import ErrorInfo, Ticket, TicketInvalid, dump_ticket, parse_ticket
from cabas.rules.budget import month_of

JOURNAL_DAYS = 30


class TicketNotSaved(Exception):  # noqa: N818 - what the cashier is told
    """The ticket could not be written to disk: the sale is NOT confirmed."""


class CorruptFile(Exception):  # noqa: N818
    """A file in Ventes/ that is not a readable ticket."""


@dataclass(frozen=True)
class PendingEntry:
    """What the budget and quota checks need of a ticket that is not acknowledged yet."""

    ticket_id: str
    beneficiary_code: str | None
    month: str
    total_cents: int
    lines: tuple[tuple[int | None, int, str], ...]  # (product_id, quantity, unit)
    savings_cents: int = 0
    """Full price minus paid (negative for a refund): what the household's project gains."""


def ticket_entry(ticket: Ticket, tz: str) -> PendingEntry:
    return PendingEntry(
        ticket_id=str(ticket.id),
        beneficiary_code=ticket.beneficiary_code,
        month=month_of(ticket.created_at, tz),
        total_cents=ticket.total_cents,
        lines=tuple((line.product_id, line.quantity, line.unit) for line in ticket.lines),
        savings_cents=sum(line.full_price_cents for line in ticket.lines) - ticket.total_cents,
    )


def _ticket_files(folder: Path) -> list[os.DirEntry[str]]:
    try:
        entries = [
            entry
            for entry in os.scandir(folder)
            if entry.name.endswith(".json") and not entry.name.startswith(".")
        ]
    except FileNotFoundError:
        return []
    return entries


def read_ticket_payload(path: Path) -> tuple[dict[str, Any], Ticket]:
    """The raw ticket object stored in ``path`` and the ticket it validates to; raises
    CorruptFile when it is not one (and FileNotFoundError when it vanished: another agent
    acknowledged it)."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CorruptFile(f"JSON illisible ({exc})") from exc
    try:
        return data, parse_ticket(data)
    except TicketInvalid as exc:
        raise CorruptFile(exc.message) from exc


def read_ticket_file(path: Path) -> Ticket:
    """The ticket in ``path`` (see ``read_ticket_payload``)."""
    return read_ticket_payload(path)[1]


class Outbox:
    def __init__(self, data: DataDir, tz: str) -> None:
        self.data = data
        self.tz = tz
        self._pending_cache: dict[str, tuple[float, PendingEntry | None]] = {}

    # -- writing ---------------------------------------------------------------------------
    def write(self, ticket: Ticket) -> Path:
        """Save a ticket crash-safely in Ventes/. Raises TicketNotSaved (with the reason in
        French) on any disk error: the sale must then not be shown as paid."""
        path = self.data.ventes / f"{ticket.id}.json"
        payload = json.dumps(dump_ticket(ticket), ensure_ascii=False, separators=(",", ":"))
        try:
            self.data.ventes.mkdir(parents=True, exist_ok=True)
            if path.exists():
                raise TicketNotSaved(f"Un ticket {ticket.id} existe déjà dans Ventes/.")
            atomic_write_bytes(path, payload.encode("utf-8"))
        except OSError as exc:
            # The error may come after the rename (fsync of the folder): a ticket the cashier
            # is told is NOT saved must not be sent, or the retried sale would count twice.
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            raise TicketNotSaved(
                f"Le ticket n'a pas pu être enregistré sur le disque ({exc.strerror or exc}). "
                "La vente n'est PAS validée : vérifiez le disque puis réessayez."
            ) from exc
        return path

    # -- what waits ------------------------------------------------------------------------
    def pending_paths(self) -> list[Path]:
        """Ticket files waiting in Ventes/, oldest first."""
        entries = _ticket_files(self.data.ventes)
        stamped = []
        for entry in entries:
            try:
                stamped.append((entry.stat().st_mtime_ns, entry.name, Path(entry.path)))
            except FileNotFoundError:
                continue
        stamped.sort()
        return [path for _, _, path in stamped]

    def pending_count(self) -> int:
        return len(_ticket_files(self.data.ventes))

    def rejected_count(self) -> int:
        return len(_ticket_files(self.data.rejetes))

    def quarantined(self) -> list[Path]:
        try:
            return sorted(p for p in self.data.quarantine.iterdir() if not p.name.startswith("."))
        except FileNotFoundError:
            return []

    def pending_entries(self) -> list[PendingEntry]:
        """Every readable ticket in Ventes/ (cached by file name and mtime)."""
        seen: set[str] = set()
        result: list[PendingEntry] = []
        for entry in _ticket_files(self.data.ventes):
            seen.add(entry.name)
            try:
                mtime = entry.stat().st_mtime
            except FileNotFoundError:
                continue
            cached = self._pending_cache.get(entry.name)
            if cached is None or cached[0] != mtime:
                try:
                    parsed: PendingEntry | None = ticket_entry(
                        read_ticket_file(Path(entry.path)), self.tz
                    )
                except (CorruptFile, OSError):
                    parsed = None
                cached = (mtime, parsed)
                self._pending_cache[entry.name] = cached
            if cached[1] is not None:
                result.append(cached[1])
        for name in list(self._pending_cache):
            if name not in seen:
                del self._pending_cache[name]
        return result

    def acknowledged_since(self, since: datetime) -> list[PendingEntry]:
        """Tickets the server acknowledged after ``since`` (so possibly not counted in the
        local snapshot yet): the Journal files moved there after that instant."""
        result: list[PendingEntry] = []
        cutoff = since.timestamp()
        first_day = (since.astimezone(UTC) - timedelta(days=1)).date().isoformat()
        for folder in self._journal_days():
            if folder.name < first_day:
                continue
            for entry in _ticket_files(folder):
                try:
                    if entry.stat().st_mtime <= cutoff:
                        continue
                    result.append(ticket_entry(read_ticket_file(Path(entry.path)), self.tz))
                except (CorruptFile, OSError):
                    continue
        return result

    # -- outcomes --------------------------------------------------------------------------
    def quarantine(self, path: Path, reason: str) -> Path:
        """Move an unreadable file out of Ventes/, with a note saying why."""
        folder = self.data.quarantine
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = folder / f"{stamp}-{path.name}"
        durable_move(path, target)
        note = target.with_name(target.name + ".motif.txt")
        atomic_write_bytes(note, reason.encode("utf-8"))
        return target

    def journal_folder(self, moment: datetime) -> Path:
        """Journal/<UTC date>/ for tickets acknowledged at ``moment`` (created if missing)."""
        folder = self.data.journal / moment.astimezone(UTC).date().isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def acknowledge(
        self,
        path: Path,
        *,
        now: datetime | None = None,
        sync: bool = True,
        folder: Path | None = None,
    ) -> Path:
        """Move an acknowledged ticket to Journal/<date>/ (kept 30 days). With
        ``sync=False`` the caller fsyncs the folders once per batch (``sync_folders``): a
        move lost in a crash only sends the ticket again, and the server says `duplicate`.
        ``folder``: the day's folder already made by ``journal_folder(now)``."""
        moment = now or datetime.now(UTC)
        if folder is None:
            folder = self.journal_folder(moment)
        target = folder / path.name
        os.replace(path, target)
        if sync:
            fsync_dir(folder)
            fsync_dir(path.parent)
        stamp = moment.timestamp()
        os.utime(target, (stamp, stamp))
        return target

    def sync_folders(self, *, now: datetime | None = None) -> None:
        """Make the moves of a batch durable (Ventes/ and today's Journal/ folder)."""
        moment = now or datetime.now(UTC)
        day = self.data.journal / moment.astimezone(UTC).date().isoformat()
        for folder in (day, self.data.ventes):
            if folder.exists():
                fsync_dir(folder)

    def reject(self, path: Path, ticket_data: Any, error: ErrorInfo | None) -> Path:
        """Move a refused ticket to Rejetes/ with the server's reason (never dropped)."""
        self.data.rejetes.mkdir(parents=True, exist_ok=True)
        target = self.data.rejetes / path.name
        record = {
            "rejected_at": datetime.now(UTC).isoformat(),
            "error": error.model_dump(mode="json") if error else None,
            "ticket": ticket_data,
        }
        atomic_write_json(target, record)
        path.unlink()
        fsync_dir(path.parent)
        return target

    def rejected(self) -> list[dict[str, Any]]:
        records = []
        for entry in sorted(_ticket_files(self.data.rejetes), key=lambda e: e.name):
            try:
                records.append(json.loads(Path(entry.path).read_text("utf-8")))
            except (OSError, ValueError):
                continue
        return records

    # -- journal ---------------------------------------------------------------------------
    def _journal_days(self) -> list[Path]:
        try:
            return sorted(p for p in self.data.journal.iterdir() if p.is_dir())
        except FileNotFoundError:
            return []

    def prune_journal(self, today: date, *, days: int = JOURNAL_DAYS) -> int:
        """Delete Journal days older than ``days``; returns how many folders went."""
        limit = (today - timedelta(days=days)).isoformat()
        removed = 0
        for folder in self._journal_days():
            if folder.name < limit:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def resend_since(self, since: date) -> int:
        """Put back in Ventes/ every journal ticket acknowledged on or after ``since`` (after
        a server restore); the server answers `duplicate` for those it still has."""
        count = 0
        for folder in self._journal_days():
            if folder.name < since.isoformat():
                continue
            for entry in _ticket_files(folder):
                target = self.data.ventes / entry.name
                if not target.exists():
                    durable_move(Path(entry.path), target)
                    count += 1
        return count

    def iter_known_tickets(self) -> Iterator[Ticket]:
        """Tickets still on this till: waiting ones, then the journal, newest day first."""
        folders = [self.data.ventes, *reversed(self._journal_days())]
        for folder in folders:
            for entry in _ticket_files(folder):
                try:
                    yield read_ticket_file(Path(entry.path))
                except (CorruptFile, OSError):
                    continue

    def has_ticket(self, ticket_id: UUID) -> bool:
        """Whether this till already holds a ticket with this id (waiting, refused, or in the
        journal)."""
        name = f"{ticket_id}.json"
        folders = [self.data.ventes, self.data.rejetes, *self._journal_days()]
        return any((folder / name).exists() for folder in folders)

    def find_ticket(self, text: str) -> Ticket | None:
        """A ticket by its full id, or by the first characters printed on the receipt."""
        text = text.strip().lower()
        if not text:
            return None
        try:
            wanted = str(UUID(text))
        except ValueError:
            wanted = None
        for folder in [self.data.ventes, *reversed(self._journal_days())]:
            for entry in _ticket_files(folder):
                name = entry.name[: -len(".json")]
                if (wanted and name == wanted) or (not wanted and name.startswith(text)):
                    try:
                        return read_ticket_file(Path(entry.path))
                    except (CorruptFile, OSError):
                        return None
        return None

    def refunds_of(self, original_id: UUID) -> list[Ticket]:
        """The refunds of a ticket made on this till (waiting or in the journal)."""
        return [t for t in self.iter_known_tickets() if t.refund_of == original_id]

    def tickets_of_day(self, day: date) -> list[Ticket]:
        """This till's tickets made on ``day`` (the shop's date), newest first."""
        zone = ZoneInfo(self.tz)
        # Journal folders are named after the day of the server's acknowledgement (UTC): a
        # ticket of ``day`` was acknowledged that day (UTC, so maybe the day before) or later.
        first = (day - timedelta(days=1)).isoformat()
        folders = [self.data.ventes] + [f for f in self._journal_days() if f.name >= first]
        found: dict[UUID, Ticket] = {}
        for folder in folders:
            for entry in _ticket_files(folder):
                try:
                    ticket = read_ticket_file(Path(entry.path))
                except (CorruptFile, OSError):
                    continue
                if ticket.created_at.astimezone(zone).date() == day:
                    found[ticket.id] = ticket
        return sorted(found.values(), key=lambda t: t.created_at, reverse=True)


def refunded_by_line(original: Ticket, refunds: Iterable[Ticket]) -> dict[int, int]:
    """Quantity already given back per line index of ``original`` by these refunds (each
    counted once; lines matched by product, barcode and label)."""
    result: dict[int, int] = {}
    seen: set[UUID] = set()
    for refund in refunds:
        if refund.id in seen or refund.refund_of != original.id:
            continue
        seen.add(refund.id)
        for line in refund.lines:
            for index, sold in enumerate(original.lines):
                if (sold.product_id, sold.barcode, sold.label) == (
                    line.product_id,
                    line.barcode,
                    line.label,
                ):
                    result[index] = result.get(index, 0) + (-line.quantity)
                    break
    return result
