"""The till's data folder (layout: docs/architecture.md, "Data on the till") and its
configuration file ``config.json``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cabas.caisse.core.fsutil import atomic_write_json, clean_stale_temp_files
from cabas.protocol import StoreInfo

CONFIG_FORMAT = 1
APP_NAME = "Cabas"


def default_data_dir() -> Path:
    """The platform's per-user data folder (``%LOCALAPPDATA%\\Cabas`` on Windows)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False, roaming=False))


@dataclass(frozen=True)
class DataDir:
    """Paths of a data folder. Folder names are the ones the shop's team sees (French)."""

    root: Path

    @property
    def config_file(self) -> Path:
        return self.root / "config.json"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def ventes(self) -> Path:
        return self.root / "Ventes"

    @property
    def rejetes(self) -> Path:
        return self.root / "Rejetes"

    @property
    def journal(self) -> Path:
        return self.root / "Journal"

    @property
    def quarantine(self) -> Path:
        """Files found unreadable in Ventes/ (kept, reported, never sent)."""
        return self.root / "Quarantaine"

    @property
    def sessions(self) -> Path:
        """Cash-session reports waiting to be sent (same rules as Ventes/)."""
        return self.root / "Sessions"

    @property
    def versions(self) -> Path:
        """Installed till packages (the current one and the previous one, for roll-back)."""
        return self.root / "versions"

    @property
    def status_file(self) -> Path:
        return self.root / "status.json"

    @property
    def sync_lock(self) -> Path:
        return self.root / "sync.lock"

    @property
    def session_file(self) -> Path:
        return self.root / "session.json"

    @property
    def draft_file(self) -> Path:
        """The sale in progress (not a ticket until paid), kept to resume it after a crash."""
        return self.root / "vente-en-cours.json"

    def ensure(self) -> DataDir:
        for folder in (
            self.root,
            self.data,
            self.ventes,
            self.rejetes,
            self.journal,
            self.sessions,
            self.versions,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            os.chmod(self.root, 0o700)
        return self

    def clean_stale_temp_files(self) -> int:
        """Temporary files left by a writer killed mid-write (see fsutil)."""
        folders = [self.root, self.data, self.ventes, self.rejetes, self.quarantine]
        return clean_stale_temp_files([*folders, self.sessions])


class PrinterConfig(BaseModel):
    """An ESC/POS receipt printer (python-escpos): ``usb`` (vendor/product ids), ``network``
    (host, port) or ``file`` (a device path such as /dev/usb/lp0)."""

    model_config = ConfigDict(extra="ignore")

    kind: Literal["usb", "network", "file"]
    usb_vendor_id: int | None = None
    usb_product_id: int | None = None
    host: str | None = None
    port: int = 9100
    path: str | None = None
    width: int = Field(default=42, ge=20, le=80)


class TillConfig(BaseModel):
    """``config.json``. Unknown keys are kept ignored on read so that the previous version of
    the till can read what the next one wrote."""

    model_config = ConfigDict(extra="ignore")

    format: int = CONFIG_FORMAT
    server_url: str
    device_id: str
    token: str
    till_name: str = "Caisse"
    store: StoreInfo
    proxy: str | None = None
    """An explicit HTTP(S) proxy (``http://host:port``); else the system's settings apply."""
    public_key: str | None = None
    """Base64 of the 32-byte Ed25519 key that signs till packages."""
    installed_version: str | None = None
    installed_file: str | None = None
    """The file of the installed version in ``versions/`` (a code package or a bundle)."""
    previous_version: str | None = None
    previous_file: str | None = None
    good_version: str | None = None
    """The newest version that has opened its window once: kept until a newer one has."""
    good_file: str | None = None
    broken_versions: list[str] = []
    """Versions that failed to start: not started nor installed again."""
    printer: PrinterConfig | None = None
    key_store: Literal["auto", "file"] = "auto"
    timeout_seconds: float = 20.0


def load_config(data: DataDir) -> TillConfig | None:
    """The configuration, or None when this till has not joined a shop yet."""
    try:
        raw: Any = json.loads(data.config_file.read_text("utf-8"))
    except FileNotFoundError:
        return None
    return TillConfig.model_validate(raw)


def save_config(data: DataDir, config: TillConfig) -> None:
    atomic_write_json(data.config_file, config.model_dump(mode="json"))
