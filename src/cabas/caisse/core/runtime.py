"""What this till is running from: a platform bundle (its code and dependencies in one file), a
code-only package (`cabas-caisse-<version>.pyz`, run with a bundle's dependencies), or an
installed Python package (a technician's `pip install`). The launcher and the updater decide
from it what to download and how to start a version (docs/caisse.md)."""

from __future__ import annotations

import json
import sys
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import cabas

BUNDLE_INFO = "bundle.json"
PACKAGE_INFO = "package.json"


@dataclass(frozen=True)
class Runtime:
    version: str
    platform: str | None
    """The bundle's platform (`windows-x86_64`...), None outside a bundle."""
    dependencies: str | None
    """Digest of the requirements this code was built with (None for a pip-installed till)."""
    archive: Path | None
    """The zip file this process was started from (bundle or code package)."""
    setup_public_key: str | None

    @property
    def is_bundle(self) -> bool:
        return self.platform is not None


def _read_member(name: str) -> dict[str, Any]:
    try:
        text = resources.files("cabas.caisse").joinpath(name).read_text("utf-8")
        value = json.loads(text)
    except (FileNotFoundError, OSError, ValueError, ModuleNotFoundError):
        return {}
    return value if isinstance(value, dict) else {}


def _archive() -> Path | None:
    if not sys.argv or not sys.argv[0]:
        return None
    path = Path(sys.argv[0])
    try:
        return path.resolve() if path.is_file() and zipfile.is_zipfile(path) else None
    except OSError:
        return None


def current() -> Runtime:
    bundle = _read_member(BUNDLE_INFO)
    package = bundle or _read_member(PACKAGE_INFO)
    return Runtime(
        version=cabas.__version__,
        platform=bundle.get("platform") or None,
        dependencies=package.get("dependencies") or None,
        archive=_archive(),
        setup_public_key=bundle.get("setup_public_key") or None,
    )


def dependencies_dir() -> Path:
    """The folder that holds this process's dependencies (a bundle's extracted site-packages),
    given to a code-only package started from here."""
    import pydantic

    return Path(pydantic.__file__).resolve().parent.parent


def archive_info(path: Path) -> dict[str, Any]:
    """bundle.json or package.json of an installed package file ({} when unreadable)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            members = (f"site-packages/cabas/caisse/{BUNDLE_INFO}", f"cabas/caisse/{PACKAGE_INFO}")
            for member in members:
                if member in names:
                    value = json.loads(archive.read(member).decode("utf-8"))
                    if isinstance(value, dict):
                        return value
    except (OSError, zipfile.BadZipFile, ValueError, UnicodeDecodeError):
        pass
    return {}
