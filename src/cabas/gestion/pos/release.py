"""Building a release of la caisse (`make caisse`, `cabas build_caisse`), signed at build time
with the release key (see `keys`).

A release of version V in dist/:

    cabas-caisse-V.pyz                     the till's code only: updates that keep the dependencies
    cabas-caisse-V-windows-x86_64.pyzw     one self-contained file per platform (`PLATFORMS`):
    cabas-caisse-V-linux-x86_64.pyz …      the code and its dependencies, for Python 3.11 and later
    cabas-caisse-V.json                    the manifest: each file's SHA-256 and signature

A bundle is a shiv zipapp. Its dependencies are resolved for the target platform by uv (pip's
``--platform`` evaluates environment markers for the build machine, so Windows would miss
``pywin32-ctypes`` and get Linux's ``SecretStorage``), installed once per supported Python version
with ``--only-binary``, and merged into one site-packages: the binary modules of each version have
their own file names (``_pydantic_core.cp312-win_amd64.pyd``), so one file serves them all. At the
first start shiv extracts it into the user's data folder (`Platform.extract_root`).

Fetching the wheels needs the package index; assembling does not, so the tests assemble bundles
from the sites that `cabas build_caisse --fetch-only` left in build/.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipapp
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from cabas.gestion.pos.packages import (
    MAX_CODE_PACKAGE_BYTES,
    PLATFORMS,
    PackageFile,
    Platform,
    bundle_name,
    code_package_name,
    file_digest,
    manifest_path,
)
from cabas.protocol.packages import VERSION_PATTERN, sign_package

# What the till's package carries: its own code and what it shares with the server.
PACKAGE_MODULES = ("cabas/caisse", "cabas/protocol", "cabas/rules")
# Inside every package: the base64 public key the updater trusts for the next versions.
PUBLIC_KEY_MEMBER = "cabas/caisse/package_public_key.txt"
# Inside a bundle: what it was built for (read by the till and by the tests).
BUNDLE_INFO_MEMBER = "cabas/caisse/bundle.json"
# Inside a code package: the requirements it runs with.
PACKAGE_INFO_MEMBER = "cabas/caisse/package.json"
# The Python versions a bundle carries binary modules for.
PYTHON_VERSIONS = ("3.11", "3.12", "3.13", "3.14", "3.15")
# The code package's own __main__: zipapp's template drops main()'s return value, and a launcher
# can only roll back a version whose failure it sees in the exit status.
CODE_MAIN = "import sys\n\nfrom cabas.caisse.cli import main\n\nsys.exit(main())\n"
_VERSION = re.compile(VERSION_PATTERN)
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)")


@dataclass(frozen=True)
class BuiltFile:
    name: str
    kind: str  # "code" or "bundle"
    platform: str | None
    sha256: str
    signature: str
    size: int

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "platform": self.platform,
            "sha256": self.sha256,
            "signature": self.signature,
            "size": self.size,
        }


def till_requirements() -> list[str]:
    """The till's requirements as installed (`cabas` base dependencies + the `caisse` extra)."""
    found = []
    for line in metadata.requires("cabas") or []:
        spec, _, marker = line.partition(";")
        marker = marker.strip().replace("'", '"')
        if not marker or marker == 'extra == "caisse"':
            found.append(spec.strip())
    return sorted(set(found), key=str.lower)


def dependencies_digest(requirements: Iterable[str]) -> str:
    """What a code package needs: a digest of the requirement specifiers, so that a new release
    whose requirements did not change is offered as code only."""
    text = "\n".join(sorted(r.replace(" ", "").lower() for r in requirements))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def source_digest(source_root: Path, *keys: str) -> str:
    """A digest of the till's source files (and of the keys a build embeds): a release built
    from the same digest need not be built again."""
    digest = hashlib.sha256()
    paths = [source_root / "cabas" / "__init__.py"]
    for module in PACKAGE_MODULES:
        paths += sorted((source_root / module).rglob("*.py"))
    for path in paths:
        digest.update(path.relative_to(source_root).as_posix().encode())
        digest.update(path.read_bytes())
    for key in keys:
        digest.update(key.encode())
    return digest.hexdigest()[:16]


def host_platform() -> Platform | None:
    """The platform of the machine this runs on, if a bundle is built for it."""
    import platform as _platform

    machine = _platform.machine().lower()
    arch = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    cpu = arch.get(machine, machine)
    if system == "macos" and cpu == "aarch64":
        cpu = "arm64"
    return PLATFORMS.get(f"{system}-{cpu}")


def is_built(output_dir: Path, version: str, digest: str, platforms: Sequence[Platform]) -> bool:
    """Whether the release in `output_dir` was built from `digest` with these bundles."""
    try:
        manifest = json.loads(manifest_path(output_dir, version).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    names = {str(entry.get("name")) for entry in manifest.get("files", [])}
    wanted = {code_package_name(version)} | {bundle_name(version, p) for p in platforms}
    return (
        manifest.get("source") == digest
        and wanted <= names
        and all((output_dir / name).is_file() for name in wanted)
    )


def _stage_code(source_root: Path, staging: Path, public_key: str) -> None:
    missing = [m for m in PACKAGE_MODULES if not (source_root / m).is_dir()]
    if missing:
        raise ValueError(f"missing from the source tree: {', '.join(missing)}")
    (staging / "cabas").mkdir(parents=True)
    shutil.copy2(source_root / "cabas" / "__init__.py", staging / "cabas" / "__init__.py")
    for module in PACKAGE_MODULES:
        shutil.copytree(
            source_root / module,
            staging / module,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo"),
        )
    (staging / PUBLIC_KEY_MEMBER).write_text(public_key + "\n", encoding="ascii")


def _check_version(version: str) -> None:
    if not _VERSION.match(version):
        raise ValueError(f"invalid version: {version!r}")


def _finish(temporary: Path, target: Path, version: str, kind: str, platform: str | None,
            signing_key: bytes) -> BuiltFile:  # fmt: skip
    sha = file_digest(temporary)
    size = temporary.stat().st_size
    with temporary.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    signature = sign_package(version, sha, signing_key)
    return BuiltFile(target.name, kind, platform, sha, signature, size)


def build_code_package(
    *, source_root: Path, version: str, output_dir: Path, signing_key: bytes, public_key: str,
    requirements: Sequence[str],
) -> BuiltFile:  # fmt: skip
    """`cabas-caisse-<version>.pyz`: the till's code, the protocol, the rules, the public key,
    the requirements it runs with, and a __main__ that exits with `cabas.caisse.cli:main`'s
    status. ValueError when the tree is incomplete or the package too large."""
    _check_version(version)
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / code_package_name(version)
    temporary = output_dir / f".{target.name}.tmp"
    with tempfile.TemporaryDirectory() as staging_name:
        staging = Path(staging_name)
        _stage_code(source_root, staging, public_key)
        info = {"version": version, "dependencies": dependencies_digest(requirements)}
        (staging / PACKAGE_INFO_MEMBER).write_text(json.dumps(info), encoding="utf-8")
        (staging / "__main__.py").write_text(CODE_MAIN, encoding="utf-8")
        zipapp.create_archive(
            staging, temporary, interpreter="/usr/bin/env python3", compressed=True
        )
    size = temporary.stat().st_size
    if size > MAX_CODE_PACKAGE_BYTES:
        temporary.unlink()
        raise ValueError(f"package too large: {size} bytes (at most {MAX_CODE_PACKAGE_BYTES})")
    return _finish(temporary, target, version, "code", None, signing_key)


# -- The dependencies of a bundle ------------------------------------------------------------


def _uv(*args: str) -> None:
    command = [sys.executable, "-m", "uv", *args]
    result = subprocess.run(command, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise ValueError(f"uv {' '.join(args[:2])} failed:\n{result.stderr.strip()[-2000:]}")


def canonical_name(name: str) -> str:
    """A distribution's name as PEP 503 compares them (`jaraco.classes` = `jaraco-classes`)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[canonical_name(match.group(1))] = match.group(2)
    return pins


def fetch_sites(
    platform: Platform, requirements: Sequence[str], cache_dir: Path,
    python_versions: Sequence[str] = PYTHON_VERSIONS, *, offline: bool = False,
) -> dict[str, Path]:  # fmt: skip
    """One installed site-packages per Python version for `platform`, binary wheels only,
    resolved by uv for that platform and version (needs the package index the first time;
    kept in `cache_dir` under a digest of the requirements). Raises ValueError when a version
    has no wheel or two versions would need different releases of a package."""
    key = dependencies_digest(requirements)
    base = cache_dir / platform.slug / key
    sites: dict[str, Path] = {}
    pins_by_version: dict[str, dict[str, str]] = {}
    requirements_file = base / "requirements.in"
    if not offline:
        base.mkdir(parents=True, exist_ok=True)
        requirements_file.write_text("\n".join(requirements) + "\n", encoding="utf-8")
    for python in python_versions:
        site = base / f"py{python}"
        done = base / f"py{python}.done"
        lock = base / f"py{python}.lock"
        if not done.exists():
            if offline:
                raise ValueError(
                    f"{platform.slug}: the wheels for Python {python} are not in {base} "
                    "(run `cabas build_caisse --fetch-only`)"
                )
            common = ["--python-platform", platform.uv_platform, "--python-version", python]
            common += ["--only-binary", ":all:", "--quiet", "--no-config"]
            _uv("pip", "compile", *common, "--no-header", str(requirements_file), "-o", str(lock))
            shutil.rmtree(site, ignore_errors=True)
            _uv("pip", "install", *common, "--no-deps", "--target", str(site), "-r", str(lock))
            done.touch()
        sites[python] = site
        pins_by_version[python] = _pins(lock)
    releases: dict[str, set[str]] = {}
    for pins in pins_by_version.values():
        for name, release in pins.items():
            releases.setdefault(name, set()).add(release)
    split = {name: sorted(found) for name, found in releases.items() if len(found) > 1}
    if split:
        raise ValueError(f"{platform.slug}: Python versions need different releases of {split}")
    return sites


def _wheel_tags(site: Path) -> dict[str, dict[str, object]]:
    """Name -> version and wheel tags of every distribution installed in `site`."""
    found: dict[str, dict[str, object]] = {}
    for wheel in site.glob("*.dist-info/WHEEL"):
        meta = metadata.Distribution.at(wheel.parent).metadata
        tags = [
            line.split(":", 1)[1].strip()
            for line in wheel.read_text(encoding="utf-8").splitlines()
            if line.startswith("Tag:")
        ]
        found[canonical_name(meta["Name"])] = {"version": meta["Version"], "tags": tags}
    return found


_BINARY = (".so", ".pyd", ".dylib", ".dll")
# Left out of the bundles, to make the download and the first start's extraction shorter:
# what python.org's Pythons never load, and optional parts the till never uses. The
# free-threaded builds (`_rust.abi3t.so`, `cpython-314t`); PyYAML's optional C parser
# (python-escpos reads its small capability file with the pure-Python one); Pillow's AVIF
# codec and its library (receipts carry text; Pillow works without it, 21 MB on Windows).
_LEFT_OUT = re.compile(
    r"(\.abi3t\.|cpython-3\d+t-|cp3\d+t-|^yaml/_yaml\.|^PIL/_avif\.|^pillow\.libs/libavif|"
    r"^PIL/\.dylibs/libavif)"
)


def _merge_sites(sites: dict[str, Path], staging: Path) -> dict[str, dict[str, object]]:
    """Copy every site into `staging` (one site-packages) and describe what came from where.
    A file present in two sites must be the same, except:
    - the dist-info records of the wheels built per Python version;
    - binaries of the same name built separately for each version: a stable-ABI module
      (cryptography's `_rust.pyd` in its cp311-abi3 and cp314-abi3 wheels) or a library a
      wheel carries (Pillow's `.dylibs/`). The lowest version's is kept: stable-ABI modules
      run on every later Python, and the libraries are the same release of the same code.
    Any other difference (Python code, data) stops the build. bundle.json lists every
    version's wheel tags."""
    packages: dict[str, dict[str, object]] = {}
    seen: dict[str, str] = {}
    for python, site in sites.items():
        for name, info in _wheel_tags(site).items():
            entry = packages.setdefault(name, {"version": info["version"], "tags": {}})
            entry["tags"][python] = info["tags"]  # type: ignore[index]
        for path in sorted(site.rglob("*")):
            relative = path.relative_to(site).as_posix()
            top = relative.split("/", 1)[0]
            if path.is_dir() or top == "bin" or "__pycache__" in relative:
                continue
            if _LEFT_OUT.search(relative):
                continue
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if relative in seen:
                differs = seen[relative] != digest and ".dist-info/" not in relative
                if differs and not relative.endswith(_BINARY) and ".so." not in relative:
                    raise ValueError(f"{relative} differs between Python versions")
                continue
            seen[relative] = digest
            destination = staging / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)
            destination.chmod(path.stat().st_mode & 0o755 | 0o644)
    return packages


def build_bundle(
    *, platform: Platform, sites: dict[str, Path], source_root: Path, version: str,
    output_dir: Path, signing_key: bytes, public_key: str, setup_public_key: str,
    requirements: Sequence[str],
) -> BuiltFile:  # fmt: skip
    """`cabas-caisse-<version>-<platform><suffix>`: a shiv zipapp of the till's code and the
    merged `sites`, whose entry point checks the Python and Tk before anything else."""
    _check_version(version)
    output_dir.mkdir(parents=True, exist_ok=True)
    target = output_dir / bundle_name(version, platform)
    temporary = output_dir / f".{target.name}.tmp"
    with tempfile.TemporaryDirectory() as staging_name:
        staging = Path(staging_name) / "site-packages"
        staging.mkdir()
        packages = _merge_sites(sites, staging)
        _stage_code(source_root, staging, public_key)
        info = {
            "version": version,
            "platform": platform.slug,
            "dependencies": dependencies_digest(requirements),
            "python": sorted(sites, key=lambda v: tuple(int(p) for p in v.split("."))),
            "setup_public_key": setup_public_key,
            "packages": packages,
        }
        (staging / BUNDLE_INFO_MEMBER).write_text(json.dumps(info, indent=1), encoding="utf-8")
        result = subprocess.run(  # noqa: S603 - shiv, from this environment
            [
                sys.executable,
                "-m",
                "shiv",
                "--site-packages",
                str(staging),
                "--entry-point",
                "cabas.caisse.bundle:main",
                "--output-file",
                str(temporary),
                "--python",
                "/usr/bin/env python3",
                "--root",
                platform.extract_root,
                "--reproducible",
                "--compressed",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
        )
        if result.returncode != 0:
            raise ValueError(f"shiv failed:\n{result.stderr.strip()[-2000:]}")
    return _finish(temporary, target, version, "bundle", platform.slug, signing_key)


def write_manifest(
    output_dir: Path, version: str, files: Sequence[BuiltFile], *, public_key: str,
    dependencies: str, source: str | None = None,
) -> Path:  # fmt: skip
    """Write (crash-safely) the manifest of a version, keeping the entries of files built
    earlier for the same version that are still there unchanged."""
    path = manifest_path(output_dir, version)
    entries: dict[str, dict[str, object]] = {}
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if old.get("public_key") == public_key and old.get("dependencies") == dependencies:
            for entry in old.get("files", []):
                existing = output_dir / str(entry.get("name", ""))
                if existing.is_file() and existing.stat().st_size == entry.get("size"):
                    entries[str(entry["name"])] = entry
    for built in files:
        entries[built.name] = built.as_json()
    manifest = {
        "version": version,
        "dependencies": dependencies,
        "public_key": public_key,
        "source": source,
        "files": sorted(entries.values(), key=lambda e: str(e["name"])),
    }
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(temporary, path)
    return path


def platforms_named(names: Iterable[str]) -> list[Platform]:
    chosen = []
    for name in names:
        if name not in PLATFORMS:
            raise ValueError(f"unknown platform {name!r} (known: {', '.join(PLATFORMS)})")
        chosen.append(PLATFORMS[name])
    return chosen


def extension_modules(bundle: Path) -> list[str]:
    """The binary modules inside a bundle (for the checks of its platform)."""
    with zipfile.ZipFile(bundle) as archive:
        return [n for n in archive.namelist() if n.endswith((".so", ".pyd", ".dylib", ".dll"))]


@dataclass(frozen=True)
class BuiltRelease:
    version: str
    manifest: Path
    files: list[BuiltFile]


def build_release(
    *, source_root: Path, version: str, output_dir: Path, platforms: Sequence[Platform],
    sites_cache: Path, signing_key: bytes, public_key: str, setup_public_key: str,
    requirements: Sequence[str] | None = None, python_versions: Sequence[str] = PYTHON_VERSIONS,
) -> BuiltRelease:  # fmt: skip
    """The code package and one bundle per platform, then the manifest that lists them."""
    requirements = list(requirements if requirements is not None else till_requirements())
    files = [
        build_code_package(
            source_root=source_root, version=version, output_dir=output_dir,
            signing_key=signing_key, public_key=public_key, requirements=requirements,
        )
    ]  # fmt: skip
    for platform in platforms:
        sites = fetch_sites(platform, requirements, sites_cache, python_versions)
        files.append(
            build_bundle(
                platform=platform, sites=sites, source_root=source_root, version=version,
                output_dir=output_dir, signing_key=signing_key, public_key=public_key,
                setup_public_key=setup_public_key, requirements=requirements,
            )
        )  # fmt: skip
    manifest = write_manifest(
        output_dir, version, files, public_key=public_key,
        dependencies=dependencies_digest(requirements),
        source=source_digest(source_root, public_key, setup_public_key),
    )  # fmt: skip
    return BuiltRelease(version, manifest, files)


def build_package(*, source_root: Path, version: str, output_dir: Path) -> PackageFile:
    """A code-only release (no bundle) signed with this installation's release key: what a
    developer or a test publishes in a second."""
    from cabas.gestion.pos import keys

    requirements = till_requirements()
    built = build_release(
        source_root=source_root,
        version=version,
        output_dir=output_dir,
        platforms=[],
        sites_cache=output_dir,
        signing_key=keys.signing_key(),
        public_key=keys.public_key_b64(),
        setup_public_key=keys.setup_public_key_b64(),
        requirements=requirements,
    )
    code = built.files[0]
    path = output_dir / code.name
    return PackageFile(version, path, "code", None, code.sha256, code.signature, code.size)
