"""The till's link to the server as the cashier sees it: the sync agent's states (named once
here) and the always-visible status bar they make with the tickets waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal
from zoneinfo import ZoneInfo

LinkState = Literal["online", "offline", "unauthorized", "busy", "unknown"]

ONLINE: Final = "online"
OFFLINE: Final = "offline"
UNAUTHORIZED: Final = "unauthorized"  # the server refused the till's token (401)
BUSY: Final = "busy"  # another agent holds the lock of this data folder
UNKNOWN: Final = "unknown"  # no round yet

STATUS_LABELS: dict[str, str] = {
    ONLINE: "En ligne",
    OFFLINE: "Hors ligne",
    UNAUTHORIZED: "Caisse non autorisée",
    BUSY: "Synchronisation en cours",
    UNKNOWN: "Connexion inconnue",
}


@dataclass(frozen=True)
class StatusInfo:
    """The always-visible state."""

    state: str
    waiting: int
    rejected: int
    last_sync: datetime | None
    prices_at: datetime | None
    tz: str
    message: str = ""

    @property
    def online(self) -> bool:
        return self.state == ONLINE

    def prices_text(self) -> str:
        if self.prices_at is None:
            return "aucun prix local"
        local = self.prices_at.astimezone(ZoneInfo(self.tz))
        return f"prix du {local:%d/%m} à {local.hour} h {local:%M}"

    def last_sync_text(self) -> str:
        if self.last_sync is None:
            return "jamais synchronisée"
        local = self.last_sync.astimezone(ZoneInfo(self.tz))
        return f"dernière synchro {local:%d/%m} à {local.hour} h {local:%M}"

    def text(self) -> str:
        parts = [
            STATUS_LABELS.get(self.state, self.state),
            f"{self.waiting} ticket(s) en attente",
            self.last_sync_text(),
            self.prices_text(),
        ]
        if self.rejected:
            parts.append(f"{self.rejected} ticket(s) REFUSÉ(S)")
        if self.message and self.state != OFFLINE:
            # Offline says why in its own words ("Serveur injoignable…"): kept out of the bar.
            parts.append(f"⚠ {self.message}")
        return " · ".join(parts)
