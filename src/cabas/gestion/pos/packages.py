"""The till packages this server offers: the releases `cabas build_caisse` left in the dist
folder (see `release`), each file served only while it matches the digest and the release key's
signature written at build time; the platforms a bundle exists for, and which one a visitor's
browser runs on.

The signature scheme is `cabas.protocol.packages` (shared with the till's updater).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from cabas.gestion.pos.keys import public_key_b64
from cabas.protocol.packages import (
    VERSION_PATTERN,
    package_signing_message,
    verify_signature,
)

logger = logging.getLogger(__name__)

PACKAGE_PREFIX = "cabas-caisse-"
MAX_CODE_PACKAGE_BYTES = 1024 * 1024
_VERSION = re.compile(VERSION_PATTERN)
_MANIFEST = re.compile(rf"^{re.escape(PACKAGE_PREFIX)}(?P<version>.+)\.json$")


@dataclass(frozen=True)
class Platform:
    slug: str
    label: str
    system: str  # "windows", "macos" or "linux": what the Caisse page matches a browser to
    uv_platform: str
    suffix: str
    extract_root: str
    """Where shiv extracts the dependencies at the first start: the user's data folder."""
    wheel_platforms: tuple[str, ...]
    """Platform tags a binary wheel of this bundle may carry (prefixes)."""
    extension_marks: tuple[str, ...]
    """What every binary module's file name of this platform contains."""


PLATFORMS: dict[str, Platform] = {
    p.slug: p
    for p in (
        Platform(
            "windows-x86_64",
            "Windows (64 bits)",
            "windows",
            "x86_64-pc-windows-msvc",
            ".pyzw",
            "~/AppData/Local/Cabas/paquets",
            ("win_amd64",),
            ("win_amd64", ".pyd"),
        ),
        Platform(
            "macos-arm64",
            "macOS (puce Apple M1, M2…)",
            "macos",
            "aarch64-apple-darwin",
            ".pyz",
            "~/Library/Application Support/Cabas/paquets",
            ("macosx_",),
            ("darwin", ".dylib"),
        ),
        Platform(
            "macos-x86_64",
            "macOS (processeur Intel)",
            "macos",
            "x86_64-apple-darwin",
            ".pyz",
            "~/Library/Application Support/Cabas/paquets",
            ("macosx_",),
            ("darwin", ".dylib"),
        ),
        Platform(
            "linux-x86_64",
            "Linux (64 bits, PC)",
            "linux",
            "x86_64-manylinux_2_28",
            ".pyz",
            "~/.local/share/Cabas/paquets",
            ("manylinux", "musllinux"),
            ("x86_64", "x86-64", "amd64"),
        ),
        Platform(
            "linux-aarch64",
            "Linux (ARM 64 bits, Raspberry Pi 4 et 5)",
            "linux",
            "aarch64-manylinux_2_28",
            ".pyz",
            "~/.local/share/Cabas/paquets",
            ("manylinux", "musllinux"),
            ("aarch64",),
        ),
    )  # fmt: skip
}


def code_package_name(version: str) -> str:
    return f"{PACKAGE_PREFIX}{version}.pyz"


def bundle_name(version: str, platform: Platform) -> str:
    return f"{PACKAGE_PREFIX}{version}-{platform.slug}{platform.suffix}"


def manifest_path(folder: Path, version: str) -> Path:
    return folder / f"{PACKAGE_PREFIX}{version}.json"


def dist_dir() -> Path:
    return Path(settings.CABAS_CAISSE_DIST_DIR)


@dataclass(frozen=True)
class PackageFile:
    version: str
    path: Path
    kind: str
    platform: Platform | None
    sha256: str
    signature: str
    size: int

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Release:
    version: str
    dependencies: str | None
    code: PackageFile
    bundles: dict[str, PackageFile] = field(default_factory=dict)

    def bundle_for(self, slug: str) -> PackageFile | None:
        return self.bundles.get(slug)


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    parts = re.split(r"[.+!_-]", version)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


_digests: dict[tuple[str, int, int, int, int], str] = {}


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read again whenever it may have changed (size, times, inode)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    digest = _digests.get(key)
    if digest is None:
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                sha.update(block)
        digest = _digests[key] = sha.hexdigest()
    return digest


def _checked(folder: Path, version: str, entry: dict[str, object]) -> PackageFile | None:
    """The file of a manifest entry, if it is there, unchanged and signed by the release key."""
    name = str(entry.get("name", ""))
    if "/" in name or "\\" in name or not name.startswith(PACKAGE_PREFIX):
        return None
    path = folder / name
    sha256, signature = str(entry.get("sha256", "")), str(entry.get("signature", ""))
    if not path.is_file():
        return None
    if file_digest(path) != sha256:
        logger.error("till package %s does not match its digest: not served", path)
        return None
    message = package_signing_message(version, sha256)
    if not verify_signature(base64.b64decode(public_key_b64()), signature, message):
        logger.error("till package %s is not signed by the release key: not served", path)
        return None
    slug = entry.get("platform")
    platform = PLATFORMS.get(str(slug)) if slug else None
    kind = "bundle" if platform else "code"
    return PackageFile(version, path, kind, platform, sha256, signature, path.stat().st_size)


def read_release(folder: Path, version: str) -> Release | None:
    """A version's release, with only the files that check out; None without a code package."""
    try:
        manifest = json.loads(manifest_path(folder, version).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("version") != version:
        return None
    code, bundles = None, {}
    for entry in manifest.get("files", []):
        if not isinstance(entry, dict):
            continue
        checked = _checked(folder, version, entry)
        if checked is None:
            continue
        if checked.platform is not None:
            bundles[checked.platform.slug] = checked
        elif entry.get("kind") == "code":
            code = checked
    if code is None:
        return None
    dependencies = manifest.get("dependencies")
    return Release(version, str(dependencies) if dependencies else None, code, bundles)


def available_versions() -> list[str]:
    """Every version with a manifest in the dist folder, newest first."""
    folder = dist_dir()
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _MANIFEST.match(entry.name)
        if match and _VERSION.match(match.group("version")):
            found.append(match.group("version"))
    return sorted(found, key=_version_key, reverse=True)


def latest_release() -> Release | None:
    """The newest release whose code package checks out; None if none."""
    for version in available_versions():
        release = read_release(dist_dir(), version)
        if release is not None:
            return release
    return None


def find_file(name: str) -> PackageFile | None:
    """A file of any release, by its name, if it checks out."""
    for version in available_versions():
        prefix = f"{PACKAGE_PREFIX}{version}"
        if name == f"{prefix}.pyz" or name.startswith(f"{prefix}-"):
            release = read_release(dist_dir(), version)
            if release is None:
                continue
            for candidate in (release.code, *release.bundles.values()):
                if candidate.name == name:
                    return candidate
    return None


_SYSTEMS = (
    ("windows", re.compile(r"Windows NT|Win64|Windows", re.IGNORECASE)),
    ("macos", re.compile(r"Macintosh|Mac OS X", re.IGNORECASE)),
    ("linux", re.compile(r"Linux|X11|CrOS", re.IGNORECASE)),
)


def platform_of(user_agent: str) -> Platform | None:
    """The bundle a browser's User-Agent most likely wants (None for phones and the unknown).
    A Mac's browser does not tell Apple chips from Intel ones: Apple chips are the default."""
    if re.search(r"Android|iPhone|iPad", user_agent, re.IGNORECASE):
        return None
    for system, pattern in _SYSTEMS:
        if pattern.search(user_agent):
            if system == "windows":
                return PLATFORMS["windows-x86_64"]
            if system == "macos":
                return PLATFORMS["macos-arm64"]
            if re.search(r"aarch64|arm64", user_agent, re.IGNORECASE):
                return PLATFORMS["linux-aarch64"]
            return PLATFORMS["linux-x86_64"]
    return None


_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_CHUNK = 1 << 16


def with_setup(file: PackageFile, comment: bytes) -> tuple[int, Iterator[bytes]]:
    """The bytes of a bundle with `comment` as its zip archive's comment (the download's signed
    setup), streamed; and their length. ValueError when the file is not a zip without comment
    (as the build makes them)."""
    size = file.path.stat().st_size
    with file.path.open("rb") as handle:
        handle.seek(size - _EOCD_SIZE)
        tail = handle.read(_EOCD_SIZE)
    if len(tail) != _EOCD_SIZE or not tail.startswith(_EOCD) or tail[-2:] != b"\x00\x00":
        raise ValueError(f"{file.name} does not end with a zip directory without comment")
    if len(comment) > 0xFFFF:
        raise ValueError("setup too long for a zip comment")

    def chunks() -> Iterator[bytes]:
        remaining = size - 2
        with file.path.open("rb") as handle:
            while remaining > 0:
                block = handle.read(min(_CHUNK, remaining))
                if not block:
                    raise OSError(f"{file.name} shrank while it was sent")
                remaining -= len(block)
                yield block
        yield len(comment).to_bytes(2, "little") + comment

    return size + len(comment), chunks()
