"""The launcher starts the newest installed version, sees whether its window opened, and falls
back on the last version that did (issue: a package with one corrupted byte used to leave no
till at all). Updates choose the code-only package or the platform's bundle by the
dependencies this till runs with. Real processes, real zip files."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from cabas.caisse.core import launcher
from cabas.caisse.core.config import load_config, save_config
from cabas.caisse.core.runtime import Runtime
from cabas.caisse.core.updater import Updater, installed_path, package_path
from cabas.protocol import BundleFile, LatestPackage, sign_package
from tests.caisse.test_updater import keys, make_package, publish  # noqa: F401 - fixtures

READY = (
    "import os, pathlib, sys\n"
    "pathlib.Path(os.environ['CABAS_CAISSE_READY_FILE']).write_text('{version}')\n"
    "pathlib.Path(sys.argv[sys.argv.index('--data-dir') + 1], 'ran-{version}').touch()\n"
    "sys.exit(0)\n"
)


def package(version: str, main: str, *, dependencies: str = "d" * 16) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("__main__.py", main.format(version=version))
        archive.writestr(
            "cabas/caisse/package.json",
            json.dumps({"version": version, "dependencies": dependencies}),
        )
    return buffer.getvalue()


def install(ctx, version: str, content: bytes, *, good: bool = False) -> None:
    ctx.data.versions.mkdir(parents=True, exist_ok=True)
    path = package_path(ctx.data, version)
    path.write_bytes(content)
    config = load_config(ctx.data)
    if config.installed_version:
        config.previous_version, config.previous_file = (
            config.installed_version,
            config.installed_file,
        )
    config.installed_version, config.installed_file = version, path.name
    if good:
        config.good_version, config.good_file = version, path.name
    save_config(ctx.data, config)


RUNTIME = Runtime("0.1.0", None, "d" * 16, None, None)


def run_launcher(ctx):
    config = load_config(ctx.data)
    updater = Updater(ctx.data, config, ctx.transport, "0.1.0")
    said: list[str] = []
    own: list[str] = []

    def own_window(notice: str) -> int:
        own.append(notice)
        return 0

    code = launcher.launch_newest(ctx.data, config, RUNTIME, updater, "", own_window, said.append)
    return code, said, own, load_config(ctx.data)


def test_a_version_whose_window_opens_is_started_and_becomes_the_one_to_fall_back_on(ctx):
    install(ctx, "0.2.0", package("0.2.0", READY))
    code, said, own, config = run_launcher(ctx)
    assert code == 0 and said == [] and own == []
    assert (ctx.data.root / "ran-0.2.0").exists()
    assert config.good_version == "0.2.0"


@pytest.mark.parametrize(
    "broken",
    [
        "import sys\nsys.exit(1)\n",  # fails at start
        "raise SystemExit(0)\n",  # exits 0 without a window: the old launcher's blind spot
        "print('x'\n",  # one corrupted byte: a syntax error
    ],
)
def test_a_version_that_does_not_open_falls_back_on_the_previous_and_says_so(ctx, broken):
    install(ctx, "0.2.0", package("0.2.0", READY), good=True)
    install(ctx, "0.3.0", package("0.3.0", broken))
    code, said, own, config = run_launcher(ctx)
    assert code == 0
    assert said == [
        "La version 0.3.0 n'a pas pu démarrer : la version précédente a été ouverte à sa place."
    ]
    assert (ctx.data.root / "ran-0.2.0").exists()
    assert config.broken_versions == ["0.3.0"]
    assert installed_path(ctx.data, config, "0.2.0") is not None  # kept
    # The next start does not try the broken one again.
    code, said, own, config = run_launcher(ctx)
    assert said == []


def test_a_zip_with_a_corrupted_byte_is_caught_too(ctx):
    install(ctx, "0.2.0", package("0.2.0", READY), good=True)
    content = bytearray(package("0.3.0", READY))
    content[len(content) // 3] ^= 0xFF
    install(ctx, "0.3.0", bytes(content))
    code, said, own, config = run_launcher(ctx)
    assert said and (ctx.data.root / "ran-0.2.0").exists()


def test_with_nothing_that_starts_the_launchers_own_window_opens_with_the_reason(ctx):
    install(ctx, "0.3.0", package("0.3.0", "import sys\nsys.exit(2)\n"))
    code, said, own, config = run_launcher(ctx)
    assert own == [
        "La version 0.3.0 n'a pas pu démarrer : la version précédente a été ouverte à sa place."
    ]


def test_a_code_package_built_for_other_dependencies_is_not_started(ctx):
    install(ctx, "0.2.0", package("0.2.0", READY, dependencies="e" * 16))
    code, said, own, config = run_launcher(ctx)
    assert own == [""] and not (ctx.data.root / "ran-0.2.0").exists()


def test_the_last_good_version_stays_until_a_newer_one_has_started(ctx, server, keys):  # noqa: F811
    config = load_config(ctx.data)
    config.public_key = keys[1]
    save_config(ctx.data, config)
    updater = Updater(ctx.data, config, server, "0.1.0")
    publish(server, keys, "0.2.0")
    assert updater.check_and_install().installed == "0.2.0"
    updater.mark_started("0.2.0", package_path(ctx.data, "0.2.0"))
    publish(server, keys, "0.3.0")  # broken, as it turns out
    updater.check_and_install()
    updater.mark_broken("0.3.0")
    publish(server, keys, "0.4.0")
    updater.check_and_install()
    # 0.3.0 never started: 0.2.0, the last that did, is still there to fall back on.
    assert package_path(ctx.data, "0.2.0").exists()
    assert not package_path(ctx.data, "0.3.0").exists()
    config = load_config(ctx.data)
    assert (config.installed_version, config.previous_version) == ("0.4.0", "0.2.0")
    updater.mark_started("0.4.0", package_path(ctx.data, "0.4.0"))
    assert not package_path(ctx.data, "0.2.0").exists()


def test_a_bundle_till_takes_the_code_package_when_its_dependencies_still_fit(ctx, server, keys):  # noqa: F811
    config = load_config(ctx.data)
    config.public_key = keys[1]
    save_config(ctx.data, config)
    code = make_package("0.2.0")
    bundle = make_package("0.2.0") + b""
    bundle_digest = hashlib.sha256(bundle).hexdigest()

    def offer(dependencies: str) -> None:
        publish(server, keys, "0.2.0", code)
        server.files["/b.pyz"] = bundle
        server.latest = LatestPackage(
            **server.latest.model_dump(exclude={"dependencies", "bundles"}),
            dependencies=dependencies,
            bundles=[
                BundleFile(
                    platform="linux-x86_64",
                    url="/b.pyz",
                    sha256=bundle_digest,
                    signature=sign_package("0.2.0", bundle_digest, keys[0]),
                )
            ],
        )

    same = Updater(
        ctx.data, config, server, "0.1.0", platform="linux-x86_64", dependencies="a" * 16
    )
    offer("a" * 16)
    assert same.check_and_install().installed == "0.2.0"
    assert load_config(ctx.data).installed_file == "cabas-caisse-0.2.0.pyz"

    ctx.data.versions.joinpath("cabas-caisse-0.2.0.pyz").unlink()
    config = load_config(ctx.data)
    config.installed_version = config.installed_file = None
    save_config(ctx.data, config)
    other = Updater(
        ctx.data, config, server, "0.1.0", platform="linux-x86_64", dependencies="b" * 16
    )
    offer("a" * 16)
    assert other.check_and_install().installed == "0.2.0"
    assert load_config(ctx.data).installed_file == "cabas-caisse-0.2.0-linux-x86_64.pyz"
    assert (ctx.data.versions / "cabas-caisse-0.2.0-linux-x86_64.pyz").read_bytes() == bundle


def test_a_bundle_whose_signature_is_another_files_is_refused(ctx, server, keys):  # noqa: F811
    config = load_config(ctx.data)
    config.public_key = keys[1]
    save_config(ctx.data, config)
    publish(server, keys, "0.2.0")
    server.files["/b.pyz"] = b"PK-not-the-bundle"
    server.latest = LatestPackage(
        **server.latest.model_dump(exclude={"dependencies", "bundles"}),
        dependencies="a" * 16,
        bundles=[
            BundleFile(
                platform="linux-x86_64",
                url="/b.pyz",
                sha256=server.latest.sha256,  # the code package's digest, not the bundle's
                signature=server.latest.signature,
            )
        ],
    )
    updater = Updater(
        ctx.data, config, server, "0.1.0", platform="linux-x86_64", dependencies="b" * 16
    )
    outcome = updater.check_and_install()
    assert outcome.refused and "empreinte" in outcome.message
