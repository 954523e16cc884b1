"""The last snapshot of the shop, kept in ``data/`` encrypted at rest.

File ``data/snapshot.bin``: one JSON header line, then a Fernet token (AES-128-CBC +
HMAC-SHA256) of the zlib-compressed plaintext: one JSON line ``{"format": 1, "fetched_at":
...}``, then the snapshot's JSON (parsed and validated in one pass by pydantic-core). Readers
accept any ``format`` with a known cipher and ignore keys they do not know, so the previous and
the next till version read each other's files; the snapshot itself is a
``cabas.protocol.Snapshot`` (unknown fields ignored).

The key lives in the operating system's key store through ``keyring`` when a real backend
exists (Windows Credential Locker, macOS Keychain, Secret Service), otherwise in
``data/key`` readable only by the user (0600). See docs/caisse.md for the threat model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from cabas.caisse.core.config import DataDir
from cabas.caisse.core.fsutil import atomic_write_bytes
from cabas.protocol import Snapshot

log = logging.getLogger(__name__)

STORE_FORMAT = 2
# Format 2: the snapshot may hold the shop's quotas and the households' quota limits. Data of
# format 1 was written before them: the till asks for a full snapshot once to get them.
FIRST_FORMAT_WITH_QUOTAS = 2
CIPHER = "fernet+zlib"
KEYRING_SERVICE = "cabas-caisse"


class StoreError(Exception):
    """The local data cannot be read (French message for the cashier)."""


def _keyring_usable() -> bool:
    if os.environ.get("CABAS_CAISSE_KEYRING", "1") == "0":
        return False
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken backend means "no key store"
        return False
    if isinstance(backend, fail.Keyring):
        return False
    try:
        priority = float(getattr(backend, "priority", 0))
    except Exception:  # noqa: BLE001
        return False
    # Chainer backends report the best priority of what they chain; below 1 is a fallback.
    return priority >= 1


class KeyStore:
    """Where the snapshot key lives: the OS key store, or a 0600 file beside the data."""

    def __init__(self, data: DataDir, *, mode: str = "auto") -> None:
        self.data = data
        self.mode = mode
        self._account = hashlib.sha256(str(data.root.resolve()).encode()).hexdigest()[:32]

    @property
    def key_file(self) -> Path:
        return self.data.data / "key"

    def uses_keyring(self) -> bool:
        return self.mode == "auto" and _keyring_usable() and not self.key_file.exists()

    def describe(self) -> str:
        if self.uses_keyring():
            return "trousseau du système"
        return f"fichier {self.key_file} (lisible par cet utilisateur seulement)"

    def get_or_create(self) -> bytes:
        key = self.get()
        if key is not None:
            return key
        key = Fernet.generate_key()
        if self.uses_keyring():
            import keyring

            try:
                keyring.set_password(KEYRING_SERVICE, self._account, key.decode("ascii"))
                return key
            except Exception as exc:  # noqa: BLE001 - fall back to the file, still private
                log.warning("key store refused the key (%s): using a private file", exc)
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.key_file, key, mode=0o600)
        return key

    def get(self) -> bytes | None:
        if self.key_file.exists():
            return self.key_file.read_bytes().strip()
        if self.mode == "auto" and _keyring_usable():
            import keyring

            try:
                value = keyring.get_password(KEYRING_SERVICE, self._account)
            except Exception:  # noqa: BLE001
                value = None
            if value:
                return value.encode("ascii")
        return None


class SnapshotStore:
    """Reads, writes and updates the encrypted local snapshot."""

    def __init__(self, data: DataDir, *, key_mode: str = "auto") -> None:
        self.data = data
        self.keys = KeyStore(data, mode=key_mode)
        self.path = data.data / "snapshot.bin"
        self._fernet: Fernet | None = None

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            self._fernet = Fernet(self.keys.get_or_create())
        return self._fernet

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> tuple[Snapshot, datetime] | None:
        """The stored snapshot and when it was fetched, or None if there is none."""
        found = self._read()
        return None if found is None else (found[0], found[1])

    def resume_cursor(self) -> str | None:
        """The cursor to ask the server for a delta with, or None to ask for everything (no
        data, or data of a format before the quotas: a delta would not bring the quota limits
        of households that did not change)."""
        found = self._read()
        if found is None or found[2] < FIRST_FORMAT_WITH_QUOTAS:
            return None
        return found[0].cursor

    def _read(self) -> tuple[Snapshot, datetime, int] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        header_line, _, token = raw.partition(b"\n")
        try:
            header = json.loads(header_line)
        except ValueError as exc:
            raise StoreError("Les données locales sont illisibles (en-tête abîmé).") from exc
        if header.get("cipher") != CIPHER:
            raise StoreError(
                "Les données locales ont été écrites par une version plus récente de la caisse."
            )
        try:
            plain = zlib.decompress(self._cipher().decrypt(token))
        except (InvalidToken, zlib.error) as exc:
            raise StoreError(
                "Les données locales ne peuvent pas être déchiffrées (clé perdue ou fichier "
                "abîmé) : lancez une synchronisation pour les recharger."
            ) from exc
        meta_line, _, body = plain.partition(b"\n")
        meta: dict[str, Any] = json.loads(meta_line)
        snapshot = Snapshot.model_validate_json(body)
        fetched_at = datetime.fromisoformat(meta["fetched_at"])
        stored_format = meta.get("format")
        return snapshot, fetched_at, stored_format if isinstance(stored_format, int) else 1

    def save(self, snapshot: Snapshot, *, fetched_at: datetime | None = None) -> None:
        """Replace the stored snapshot atomically."""
        fetched = fetched_at or datetime.now(UTC)
        meta = {"format": STORE_FORMAT, "fetched_at": fetched.isoformat()}
        plain = json.dumps(meta).encode("ascii") + b"\n" + snapshot.model_dump_json().encode()
        token = self._cipher().encrypt(zlib.compress(plain, 6))
        header = json.dumps({"format": STORE_FORMAT, "cipher": CIPHER}).encode("ascii")
        self.data.data.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.path, header + b"\n" + token)

    def apply(self, update: Snapshot, *, fetched_at: datetime | None = None) -> Snapshot:
        """Store a full snapshot, or merge a delta into the stored one; returns the result."""
        if update.full:
            merged = update
        else:
            current = self.load()
            if current is None:
                raise StoreError("Mise à jour partielle reçue sans données complètes.")
            merged = merge_delta(current[0], update)
        self.save(merged, fetched_at=fetched_at)
        return merged


def _merge(items: list[Any], updates: list[Any], deleted: list[Any], key: str) -> list[Any]:
    by_key = {getattr(item, key): item for item in items}
    for gone in deleted:
        by_key.pop(gone, None)
    for item in updates:
        by_key[getattr(item, key)] = item
    return list(by_key.values())


def merge_delta(base: Snapshot, delta: Snapshot) -> Snapshot:
    """The snapshot once a delta (answer to ``?since=``) is applied: items upserted, deleted
    ones removed; shop, tariff, scale layout and quotas replaced (always complete)."""
    return Snapshot(
        cursor=delta.cursor,
        generated_at=delta.generated_at,
        full=True,
        store=delta.store,
        tariff=delta.tariff,
        scale_layout=delta.scale_layout,
        categories=_merge(base.categories, delta.categories, delta.deleted.categories, "id"),
        products=_merge(base.products, delta.products, delta.deleted.products, "id"),
        beneficiaries=_merge(
            base.beneficiaries, delta.beneficiaries, delta.deleted.beneficiaries, "code"
        ),
        cashiers=_merge(base.cashiers, delta.cashiers, delta.deleted.cashiers, "id"),
        quotas=delta.quotas,
    )
