"""Till packages: building `dist/cabas-caisse-<version>.pyz` from the source tree, the server's
Ed25519 signing key, and the newest package the server offers (`GET caisse/latest`).

The signature scheme is `cabas.protocol.packages` (shared with the till's updater).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import shutil
import tempfile
import threading
import zipapp
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cabas.protocol.packages import VERSION_PATTERN, sign_package

PACKAGE_PREFIX = "cabas-caisse-"
PACKAGE_SUFFIX = ".pyz"
# What the till's package carries: its own code and what it shares with the server.
PACKAGE_MODULES = ("cabas/caisse", "cabas/protocol", "cabas/rules")
# Inside the package: the base64 public key the updater trusts for the next versions.
PUBLIC_KEY_MEMBER = "cabas/caisse/package_public_key.txt"
MAX_PACKAGE_BYTES = 1024 * 1024
_VERSION = re.compile(VERSION_PATTERN)
_FILE = re.compile(rf"^{re.escape(PACKAGE_PREFIX)}(?P<version>.+){re.escape(PACKAGE_SUFFIX)}$")


def _raw_private_key(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


_key_lock = threading.Lock()


def signing_key() -> bytes:
    """The 32-byte raw Ed25519 private key: `CABAS_PACKAGE_SIGNING_KEY` (base64), else (outside
    production) a key generated once into var/."""
    configured = settings.CABAS_PACKAGE_SIGNING_KEY
    if configured:
        try:
            raw = base64.b64decode(configured, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImproperlyConfigured("CABAS_PACKAGE_SIGNING_KEY must be base64") from exc
        if len(raw) != 32:
            raise ImproperlyConfigured("CABAS_PACKAGE_SIGNING_KEY must hold 32 raw bytes")
        return raw
    if settings.PRODUCTION:
        raise ImproperlyConfigured("CABAS_PACKAGE_SIGNING_KEY must be set in production")
    path = Path(settings.VAR_DIR) / "package-signing-key"
    with _key_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            encoded = base64.b64encode(_raw_private_key(Ed25519PrivateKey.generate()))
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(encoded + b"\n")
        return base64.b64decode(path.read_bytes().strip())


def public_key_b64() -> str:
    """The base64 raw public key that tills trust (shown on the Caisse page, sent at enrolment
    and shipped inside every package)."""
    key = Ed25519PrivateKey.from_private_bytes(signing_key()).public_key()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def dist_dir() -> Path:
    return Path(settings.CABAS_CAISSE_DIST_DIR)


def package_name(version: str) -> str:
    return f"{PACKAGE_PREFIX}{version}{PACKAGE_SUFFIX}"


@dataclass(frozen=True)
class PackageInfo:
    version: str
    path: Path
    sha256: str
    signature: str
    size: int


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    parts = re.split(r"[.+!_-]", version)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


_cache: dict[tuple[str, int, int, str], PackageInfo] = {}


def package_info(path: Path, version: str) -> PackageInfo:
    """Digest and signature of a package file (cached while the file does not change)."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, public_key_b64())
    info = _cache.get(key)
    if info is None:
        sha = _sha256(path)
        info = PackageInfo(
            version, path, sha, sign_package(version, sha, signing_key()), stat.st_size
        )
        _cache[key] = info
    return info


def available_packages() -> dict[str, Path]:
    """Version -> file of every package in the dist folder."""
    found: dict[str, Path] = {}
    folder = dist_dir()
    if not folder.is_dir():
        return found
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match and entry.is_file() and _VERSION.match(match.group("version")):
            found[match.group("version")] = entry
    return found


def latest_package() -> PackageInfo | None:
    """The newest package in the dist folder, signed with this server's key; None if none."""
    packages = available_packages()
    if not packages:
        return None
    version = max(packages, key=_version_key)
    return package_info(packages[version], version)


def find_package(version: str) -> PackageInfo | None:
    path = available_packages().get(version)
    return None if path is None else package_info(path, version)


def build_package(*, source_root: Path, version: str, output_dir: Path) -> PackageInfo:
    """Build `cabas-caisse-<version>.pyz` from `source_root` (the folder holding `cabas/`) with
    zipapp: the till's code, the protocol, the rules, the public key, and a __main__ that runs
    `cabas.caisse.cli:main`. Raises ValueError when the tree is incomplete or too large."""
    if not _VERSION.match(version):
        raise ValueError(f"invalid version: {version!r}")
    missing = [m for m in PACKAGE_MODULES if not (source_root / m).is_dir()]
    if missing:
        raise ValueError(f"missing from the source tree: {', '.join(missing)}")
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / package_name(version)
    temporary = output_dir / f".{target.name}.tmp"
    with tempfile.TemporaryDirectory() as staging_name:
        staging = Path(staging_name)
        (staging / "cabas").mkdir()
        shutil.copy2(source_root / "cabas" / "__init__.py", staging / "cabas" / "__init__.py")
        for module in PACKAGE_MODULES:
            shutil.copytree(
                source_root / module,
                staging / module,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"),
            )
        (staging / PUBLIC_KEY_MEMBER).write_text(public_key_b64() + "\n", encoding="ascii")
        zipapp.create_archive(
            staging,
            temporary,
            interpreter="/usr/bin/env python3",
            main="cabas.caisse.cli:main",
            compressed=True,
        )
    size = temporary.stat().st_size
    if size > MAX_PACKAGE_BYTES:
        temporary.unlink()
        raise ValueError(f"package too large: {size} bytes (at most {MAX_PACKAGE_BYTES})")
    os.replace(temporary, target)
    return package_info(target, version)
