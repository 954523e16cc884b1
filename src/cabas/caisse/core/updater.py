"""Updates of the till: ask the server for the newest signed release, download the code-only
package when this till's dependencies still fit it, else its platform's bundle; check the file's
SHA-256 and its Ed25519 signature against the public key the till was installed with, refuse a
tampered or older package, install it atomically in ``versions/`` beside the last version that
started (kept for roll-back until the new one has started once, see `mark_started`)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import urllib.parse
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cabas.caisse.core.config import DataDir, TillConfig, load_config, save_config
from cabas.caisse.core.fsutil import fsync_dir, temp_path_for
from cabas.caisse.core.transport import ServerRefused, Transport, TransportError
from cabas.protocol import LatestPackage, SignedFile, verify_package_signature

MAX_PACKAGE_BYTES = 20 * 1024 * 1024
MAX_BUNDLE_BYTES = 400 * 1024 * 1024
_VERSION = re.compile(r"^(\d+(?:\.\d+)*)(?:[.-]?(dev|a|b|rc)(\d*))?(?:\+[0-9A-Za-z.]+)?$")
_STAGES = {"dev": 0, "a": 1, "b": 2, "rc": 3}


def version_key(version: str) -> tuple[tuple[int, ...], int, int]:
    """A sortable key of a version ("0.2.0" > "0.2.0rc1" > "0.1.9"); ValueError when it is
    not a version the till understands."""
    match = _VERSION.fullmatch(version)
    if match is None:
        raise ValueError(f"Version illisible : « {version} ».")
    release = tuple(int(part) for part in match.group(1).split("."))
    release = release + (0,) * (6 - len(release))
    stage = _STAGES.get(match.group(2) or "", 4)
    return release, stage, int(match.group(3) or 0)


def package_path(data: DataDir, version: str) -> Path:
    """Where a code-only package of `version` is installed."""
    return data.versions / f"cabas-caisse-{version}.pyz"


def installed_path(data: DataDir, config: TillConfig, version: str | None) -> Path | None:
    """The installed file of `version` (code package or bundle), if it is there."""
    if not version:
        return None
    for known, name in (
        (config.installed_version, config.installed_file),
        (config.previous_version, config.previous_file),
        (config.good_version, config.good_file),
    ):
        if known == version and name and "/" not in name and "\\" not in name:
            path = data.versions / name
            if path.is_file():
                return path
    path = package_path(data, version)
    return path if path.is_file() else None


PUBLIC_KEY_RESOURCE = "package_public_key.txt"


def shipped_public_key() -> str | None:
    """The signing key shipped inside the till's own package
    (``cabas/caisse/package_public_key.txt``, see docs/protocol.md), if any."""
    try:
        resource = resources.files("cabas.caisse").joinpath(PUBLIC_KEY_RESOURCE)
        text = resource.read_text("ascii")
    except (FileNotFoundError, OSError, ModuleNotFoundError, UnicodeDecodeError):
        return None
    return text.strip() or None


def decode_public_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("Clé publique de mise à jour illisible (base64 attendu).") from exc
    if len(key) != 32:
        raise ValueError("La clé publique de mise à jour doit faire 32 octets (Ed25519).")
    return key


@dataclass(frozen=True)
class UpdateOutcome:
    installed: str | None
    """The version just installed, or None."""
    message: str
    refused: bool = False


class Updater:
    def __init__(
        self,
        data: DataDir,
        config: TillConfig,
        transport: Transport,
        running_version: str,
        *,
        platform: str | None = None,
        dependencies: str | None = None,
    ) -> None:
        self.data = data
        self.config = config
        self.transport = transport
        self.running_version = running_version
        self.platform = platform
        """This till's bundle platform (None for a technician's pip-installed till)."""
        self.dependencies = dependencies
        """The requirements digest the running code was built with."""

    def current_version(self) -> str:
        """The newest of the running code and the installed package."""
        installed = self.config.installed_version
        if installed and installed_path(self.data, self.config, installed) is not None:
            try:
                if version_key(installed) > version_key(self.running_version):
                    return installed
            except ValueError:
                pass
        return self.running_version

    def check_and_install(self) -> UpdateOutcome:
        try:
            latest = self.transport.latest_package()
        except TransportError:
            return UpdateOutcome(None, "Mise à jour non vérifiée : serveur injoignable.")
        except ServerRefused as exc:
            return UpdateOutcome(None, f"Pas de mise à jour : {exc.message}")
        if latest is None:
            return UpdateOutcome(None, "Aucune version publiée sur le serveur.")
        return self.install(latest)

    def install(self, latest: LatestPackage) -> UpdateOutcome:
        current = self.current_version()
        try:
            newer = version_key(latest.version) > version_key(current)
            older = version_key(latest.version) < version_key(current)
        except ValueError as exc:
            return UpdateOutcome(None, f"Mise à jour refusée : {exc}", refused=True)
        if older:
            return UpdateOutcome(
                None,
                f"Mise à jour refusée : la version proposée ({latest.version}) est plus "
                f"ancienne que la version installée ({current}).",
                refused=True,
            )
        if not newer:
            return UpdateOutcome(None, f"La caisse est à jour (version {current}).")
        if latest.version in self.config.broken_versions:
            return UpdateOutcome(
                None, f"La version {latest.version} n'a pas pu démarrer sur ce poste : ignorée."
            )
        key_text = self.config.public_key or shipped_public_key()
        if not key_text:
            return UpdateOutcome(
                None,
                "Mise à jour refusée : cette caisse n'a pas de clé publique pour vérifier "
                "les paquets.",
                refused=True,
            )
        try:
            public_key = decode_public_key(key_text)
        except ValueError as exc:
            return UpdateOutcome(None, f"Mise à jour refusée : {exc}", refused=True)
        file, target, max_bytes = self._choose(latest)
        # The signature binds the version to the digest: check it before downloading.
        if not verify_package_signature(latest, public_key, file):
            return UpdateOutcome(
                None,
                f"Mise à jour refusée : la signature de la version {latest.version} n'est pas "
                "valide (paquet altéré ou mauvaise clé).",
                refused=True,
            )
        self.data.versions.mkdir(parents=True, exist_ok=True)
        tmp = temp_path_for(target)
        try:
            digest = self.transport.download(file.url, tmp, max_bytes=max_bytes)
            if digest != file.sha256 or _sha256(tmp) != file.sha256:
                return UpdateOutcome(
                    None,
                    "Mise à jour refusée : le fichier téléchargé ne correspond pas à son "
                    "empreinte SHA-256 (paquet altéré).",
                    refused=True,
                )
            if not _is_till_package(tmp):
                return UpdateOutcome(
                    None, "Mise à jour refusée : le fichier n'est pas un paquet de caisse.", True
                )
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, target)
            fsync_dir(target.parent)
        except (TransportError, OSError) as exc:
            return UpdateOutcome(None, f"Mise à jour impossible : {exc}")
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        config = self.config
        # The version to fall back on is the last one that started, not merely the last one
        # installed (which may be broken).
        if config.good_version and config.good_version != latest.version:
            config.previous_version, config.previous_file = config.good_version, config.good_file
        elif config.installed_version != latest.version:
            config.previous_version = config.installed_version
            config.previous_file = config.installed_file
        config.installed_version, config.installed_file = latest.version, target.name
        save_config(self.data, config)
        self.prune()
        return UpdateOutcome(
            latest.version,
            f"Version {latest.version} installée : elle s'ouvrira au prochain démarrage "
            "de la caisse.",
        )

    def _choose(self, latest: LatestPackage) -> tuple[SignedFile, Path, int]:
        """The code package when the dependencies it needs are the ones this till runs with,
        else this platform's bundle (when the server has one)."""
        needs_bundle = (
            self.platform is not None
            and latest.dependencies is not None
            and latest.dependencies != self.dependencies
        )
        bundle = latest.bundle_for(self.platform) if needs_bundle and self.platform else None
        if bundle is not None:
            name = urllib.parse.urlsplit(bundle.url).path.rsplit("/", 1)[-1]
            suffix = ".pyzw" if name.endswith(".pyzw") else ".pyz"
            target = self.data.versions / f"cabas-caisse-{latest.version}-{bundle.platform}{suffix}"
            return bundle, target, MAX_BUNDLE_BYTES
        return latest, package_path(self.data, latest.version), MAX_PACKAGE_BYTES

    def prune(self) -> None:
        """Remove the installed files that are neither the installed version, the one to fall
        back on, nor the last that started."""
        config = self.config
        keep = {
            name for name in (config.installed_file, config.previous_file, config.good_file) if name
        }
        keep |= {
            package_path(self.data, v).name
            for v in (config.installed_version, config.previous_version, config.good_version)
            if v
        }
        for path in self.data.versions.glob("cabas-caisse-*.pyz*"):
            if path.name not in keep:
                with contextlib.suppress(OSError):
                    path.unlink()

    def _fresh_config(self) -> TillConfig:
        """The configuration as on disk now: the version the launcher started writes to it
        too (its own update check), and what it wrote must not be lost."""
        fresh = load_config(self.data)
        if fresh is not None:
            self.config = fresh
        return self.config

    def mark_started(self, version: str, path: Path | None) -> None:
        """`version` has opened its window: it becomes the one to fall back on, and older
        versions may go."""
        config = self._fresh_config()
        if config.good_version == version:
            return
        config.good_version, config.good_file = version, path.name if path else None
        if config.installed_version == version:
            config.previous_version, config.previous_file = None, None
        save_config(self.data, config)
        self.prune()

    def mark_broken(self, version: str) -> None:
        config = self._fresh_config()
        if version not in config.broken_versions:
            config.broken_versions = [*config.broken_versions, version][-10:]
        save_config(self.data, config)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(65536):
            digest.update(chunk)
    return digest.hexdigest()


def _is_till_package(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "__main__.py" in names
