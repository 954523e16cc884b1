"""Wiring of a till from its data folder: configuration, local data, outbox, cash sessions,
transport and sync agent (shared by the command line and the window)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from cabas.caisse.core.cash import CashSessions
from cabas.caisse.core.catalog import Catalog
from cabas.caisse.core.config import DataDir, TillConfig, load_config
from cabas.caisse.core.draft import DraftStore
from cabas.caisse.core.lookup import lookup_ticket
from cabas.caisse.core.outbox import Outbox
from cabas.caisse.core.receipt import Receipt, open_printer, print_receipt
from cabas.caisse.core.store import SnapshotStore
from cabas.caisse.core.sync import SyncAgent, SyncStatus
from cabas.caisse.core.till import Till
from cabas.caisse.core.transport import HttpTransport, Transport
from cabas.caisse.core.view import TillView
from cabas.protocol import Snapshot


class NotEnrolled(Exception):  # noqa: N818
    """This computer has not joined a shop yet."""


@dataclass
class TillContext:
    data: DataDir
    config: TillConfig
    store: SnapshotStore
    outbox: Outbox
    sessions: CashSessions
    transport: Transport

    @classmethod
    def open(
        cls,
        root: Path,
        *,
        transport: Transport | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> TillContext:
        data = DataDir(root).ensure()
        data.clean_stale_temp_files()
        config = load_config(data)
        if config is None:
            raise NotEnrolled(
                "Cette caisse n'est rattachée à aucune épicerie : lancez "
                "« cabas-caisse enroll --server URL --code CODE »."
            )
        tz = config.store.timezone
        zone = ZoneInfo(tz)
        clock = now or (lambda: datetime.now(zone))
        outbox = Outbox(data, tz)
        if transport is None:
            try:
                transport = HttpTransport(
                    config.server_url,
                    token=config.token,
                    proxy=config.proxy,
                    timeout=config.timeout_seconds,
                    pending=outbox.pending_count,
                )
            except ValueError as refused:  # e.g. a till enrolled on plain http before
                raise NotEnrolled(
                    f"{refused} Rattachez de nouveau la caisse avec l'adresse en https://."
                ) from refused
        return cls(
            data=data,
            config=config,
            store=SnapshotStore(data, key_mode=config.key_store),
            outbox=outbox,
            sessions=CashSessions(data, outbox, tz, clock),
            transport=transport,
        )

    @property
    def tz(self) -> str:
        return self.config.store.timezone

    def agent(self, on_snapshot: Callable[[Snapshot], None] | None = None) -> SyncAgent:
        return SyncAgent(
            self.data,
            self.transport,
            self.outbox,
            self.store,
            now=lambda: datetime.now(UTC),
            on_snapshot=on_snapshot,
        )

    def load_catalog(self) -> tuple[Catalog, datetime | None, datetime | None]:
        """The catalog from local data (empty before the first sync), the prices' date and
        when they were fetched."""
        loaded = self.store.load()
        if loaded is None:
            empty = Snapshot.model_validate(
                {
                    "cursor": "-",
                    "generated_at": datetime.now(UTC),
                    "full": True,
                    "store": self.config.store.model_dump(),
                    "tariff": {"shop_rate_bp": 10000},
                }
            )
            return Catalog.build(empty), None, None
        snapshot, fetched_at = loaded
        return Catalog.build(snapshot), snapshot.generated_at, fetched_at

    def printer(self) -> Callable[[Receipt], None] | None:
        config = self.config.printer
        if config is None:
            return None

        def send(receipt: Receipt) -> None:
            device = open_printer(config)
            try:
                print_receipt(device, receipt)
            finally:
                close = getattr(device, "close", None)
                if close is not None:
                    close()

        return send

    def last_sync(self) -> datetime | None:
        """When a sync round last went through on this till (of a window, or of
        `cabas-caisse sync`)."""
        moment = SyncStatus.load(self.data.status_file).last_success
        try:
            return datetime.fromisoformat(moment) if moment else None
        except ValueError:
            return None

    def till(self, view: TillView, now: Callable[[], datetime] | None = None) -> Till:
        catalog, prices_at, fetched_at = self.load_catalog()
        return Till(
            view,
            catalog=catalog,
            outbox=self.outbox,
            sessions=self.sessions,
            tz=self.tz,
            shop_name=self.config.store.name,
            prices_at=prices_at,
            fetched_at=fetched_at,
            now=now,
            print_receipt=self.printer(),
            draft=DraftStore(self.data.draft_file),
            lookup=lambda reference: lookup_ticket(self.transport, reference),
            last_sync=self.last_sync(),
        )
