"""Bundles for the tests, assembled offline from the dependencies `make test` fetched
(`cabas build_caisse --fetch-only` into build/caisse-sites), signed with the test's keys, and
kept in build/test-bundles between the suite's runs on the three databases."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import cabas
from cabas.gestion.pos import keys, release
from cabas.gestion.pos.packages import PLATFORMS, bundle_name
from cabas.gestion.pos.release import (
    BuiltFile,
    build_bundle,
    build_code_package,
    dependencies_digest,
    fetch_sites,
    source_digest,
    till_requirements,
    write_manifest,
)

ROOT = Path(__file__).resolve().parents[2]
SITES = ROOT / "build" / "caisse-sites"
CACHE = ROOT / "build" / "test-bundles"
SOURCE = Path(cabas.__file__).parent.parent


def _source_digest() -> str:
    """The till's source, the keys, and the builder itself."""
    builder = Path(release.__file__).read_text(encoding="utf-8")
    return source_digest(SOURCE, keys.public_key_b64(), keys.setup_public_key_b64(), builder)


def sites_for(slug: str) -> dict[str, Path]:
    try:
        return fetch_sites(PLATFORMS[slug], till_requirements(), SITES, offline=True)
    except ValueError as exc:
        message = f"{exc}: `make test` fetches them"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
        raise


def bundle(slug: str) -> BuiltFile:
    """The bundle of `slug` for this source tree and these keys (built once)."""
    folder = CACHE / _source_digest()
    target = folder / bundle_name(cabas.__version__, PLATFORMS[slug])
    marker = target.with_name(target.name + ".built")
    if not marker.exists():
        for old in CACHE.glob("*"):  # bundles of an older tree
            if old.is_dir() and old != folder:
                shutil.rmtree(old, ignore_errors=True)
        built = build_bundle(
            platform=PLATFORMS[slug],
            sites=sites_for(slug),
            source_root=SOURCE,
            version=cabas.__version__,
            output_dir=folder,
            signing_key=keys.signing_key(),
            public_key=keys.public_key_b64(),
            setup_public_key=keys.setup_public_key_b64(),
            requirements=till_requirements(),
        )
        marker.write_text(f"{built.sha256} {built.signature} {built.size}", encoding="ascii")
    sha, signature, size = marker.read_text(encoding="ascii").split()
    return BuiltFile(target.name, "bundle", slug, sha, signature, int(size))


def publish(dist: Path, slugs: tuple[str, ...] = ("linux-x86_64",)) -> list[BuiltFile]:
    """A release of this tree in `dist` (the server's dist folder): the code package and the
    bundles of `slugs`, as `make caisse` leaves them."""
    requirements = till_requirements()
    files = [
        build_code_package(
            source_root=SOURCE,
            version=cabas.__version__,
            output_dir=dist,
            signing_key=keys.signing_key(),
            public_key=keys.public_key_b64(),
            requirements=requirements,
        )
    ]
    for slug in slugs:
        built = bundle(slug)
        shutil.copyfile(CACHE / _source_digest() / built.name, dist / built.name)
        files.append(built)
    write_manifest(
        dist,
        cabas.__version__,
        files,
        public_key=keys.public_key_b64(),
        dependencies=dependencies_digest(requirements),
    )
    return files
