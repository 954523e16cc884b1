"""Till packages: `cabas build_caisse`, `GET caisse/latest`, the file, the signature."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from cabas.gestion.pos.keys import public_key_b64
from cabas.gestion.pos.release import PUBLIC_KEY_MEMBER, build_package
from cabas.protocol import LatestPackage, verify_package_signature

pytestmark = pytest.mark.django_db


def fake_source(root: Path) -> Path:
    """A source tree shaped like src/: cabas/__init__.py, caisse, protocol, rules."""
    for module in ("caisse", "protocol", "rules"):
        (root / "cabas" / module).mkdir(parents=True)
        (root / "cabas" / module / "__init__.py").write_text("")
    (root / "cabas" / "__init__.py").write_text('__version__ = "9.9.9"\n')
    (root / "cabas" / "caisse" / "cli.py").write_text(
        "def main():\n    print('caisse ok')\n    return 0\n"
    )
    (root / "cabas" / "caisse" / "__pycache__").mkdir()
    (root / "cabas" / "caisse" / "__pycache__" / "cli.cpython-311.pyc").write_bytes(b"x")
    return root


def test_the_latest_package_is_signed_with_the_servers_key(world, till_a, settings, tmp_path):
    build_package(
        source_root=fake_source(tmp_path / "src"),
        version="1.2.0",
        output_dir=Path(settings.CABAS_CAISSE_DIST_DIR),
    )
    build_package(
        source_root=tmp_path / "src",
        version="1.10.0",
        output_dir=Path(settings.CABAS_CAISSE_DIST_DIR),
    )
    response = till_a.get("caisse/latest")
    assert response.status_code == 200
    latest = LatestPackage.model_validate(response.json())
    assert latest.version == "1.10.0"  # versions compare as numbers, not text
    assert verify_package_signature(latest, base64.b64decode(public_key_b64()))
    download = till_a.client.get(latest.url, HTTP_AUTHORIZATION=f"Bearer {till_a.token}")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == latest.sha256


def test_a_tampered_version_does_not_verify(world, till_a, settings, tmp_path):
    build_package(
        source_root=fake_source(tmp_path / "src"),
        version="1.0.0",
        output_dir=Path(settings.CABAS_CAISSE_DIST_DIR),
    )
    latest = LatestPackage.model_validate(till_a.get("caisse/latest").json())
    forged = latest.model_copy(update={"version": "9.0.0"})
    assert not verify_package_signature(forged, base64.b64decode(public_key_b64()))


def test_the_package_is_a_small_zipapp_of_the_tills_code(world, settings, tmp_path):
    info = build_package(
        source_root=fake_source(tmp_path / "src"), version="2.0.0", output_dir=tmp_path / "out"
    )
    assert info.path.name == "cabas-caisse-2.0.0.pyz"
    data = info.path.read_bytes()
    assert data.startswith(b"#!/usr/bin/env python3\n")
    assert info.size < 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        assert "__main__.py" in names
        assert "cabas.caisse.cli" in archive.read("__main__.py").decode()
        assert archive.read(PUBLIC_KEY_MEMBER).decode().strip() == public_key_b64()
    assert {"cabas/__init__.py", "cabas/caisse/cli.py", "cabas/rules/__init__.py"} <= names
    assert not any("__pycache__" in name for name in names)
    assert not any(name.startswith("cabas/gestion") for name in names)


def test_the_package_runs(world, tmp_path):
    import subprocess
    import sys

    info = build_package(
        source_root=fake_source(tmp_path / "src"), version="2.0.1", output_dir=tmp_path / "out"
    )
    result = subprocess.run(
        [sys.executable, str(info.path)], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "caisse ok"


def test_the_command_builds_into_dist(world, settings, tmp_path):
    out = io.StringIO()
    call_command(
        "build_caisse",
        "--code-only",
        "--source",
        str(fake_source(tmp_path / "src")),
        "--package-version",
        "3.0.0",
        stdout=out,
    )
    assert (Path(settings.CABAS_CAISSE_DIST_DIR) / "cabas-caisse-3.0.0.pyz").exists()
    assert out.getvalue().strip().endswith("cabas-caisse-3.0.0.json")


def test_without_a_package_latest_is_a_404(world, till_a):
    response = till_a.get("caisse/latest")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_unknown_version_is_a_404(world, till_a):
    response = till_a.get("caisse/0.0.0.pyz")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_configured_key_is_used(world, till_a, settings, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.CABAS_PACKAGE_SIGNING_KEY = base64.b64encode(raw).decode()
    build_package(
        source_root=fake_source(tmp_path / "src"),
        version="1.0.0",
        output_dir=Path(settings.CABAS_CAISSE_DIST_DIR),
    )
    latest = LatestPackage.model_validate(till_a.get("caisse/latest").json())
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert verify_package_signature(latest, public)


# -- Releases signed at build time, bundles, the Caisse page ----------------------------------

WINDOWS_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
MAC_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari"
LINUX_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def fake_bundle(dist: Path, version: str, slug: str) -> None:
    """A zip standing for a platform's bundle, added to the version's manifest."""
    from cabas.gestion.pos import keys
    from cabas.gestion.pos.packages import PLATFORMS, bundle_name, file_digest
    from cabas.gestion.pos.release import BuiltFile, write_manifest
    from cabas.protocol import sign_package

    path = dist / bundle_name(version, PLATFORMS[slug])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__main__.py", "print('bundle')\n")
    sha = file_digest(path)
    manifest = json.loads((dist / f"cabas-caisse-{version}.json").read_text())
    built = BuiltFile(
        path.name, "bundle", slug, sha, sign_package(version, sha, keys.signing_key()),
        path.stat().st_size,
    )  # fmt: skip
    write_manifest(
        dist, version, [built], public_key=keys.public_key_b64(),
        dependencies=manifest["dependencies"],
    )  # fmt: skip


@pytest.fixture
def release(settings, tmp_path):
    dist = Path(settings.CABAS_CAISSE_DIST_DIR)
    build_package(source_root=fake_source(tmp_path / "src"), version="1.4.0", output_dir=dist)
    for slug in ("windows-x86_64", "macos-arm64", "linux-x86_64"):
        fake_bundle(dist, "1.4.0", slug)
    return dist


def test_latest_offers_the_code_package_and_each_platforms_bundle_signed(world, till_a, release):
    latest = LatestPackage.model_validate(till_a.get("caisse/latest").json())
    key = base64.b64decode(public_key_b64())
    assert latest.dependencies and verify_package_signature(latest, key)
    assert {b.platform for b in latest.bundles} == {"windows-x86_64", "macos-arm64", "linux-x86_64"}
    windows = latest.bundle_for("windows-x86_64")
    assert verify_package_signature(latest, key, windows)
    download = till_a.client.get(windows.url, HTTP_AUTHORIZATION=f"Bearer {till_a.token}")
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == windows.sha256
    assert windows.url.endswith("cabas-caisse-1.4.0-windows-x86_64.pyzw")


def test_a_file_changed_after_the_build_is_not_served(world, till_a, release):
    bundle = release / "cabas-caisse-1.4.0-linux-x86_64.pyz"
    with zipfile.ZipFile(bundle, "a") as archive:
        archive.writestr("evil.py", "print('pwned')\n")
    latest = LatestPackage.model_validate(till_a.get("caisse/latest").json())
    assert latest.bundle_for("linux-x86_64") is None
    response = till_a.get("caisse/paquets/cabas-caisse-1.4.0-linux-x86_64.pyz")
    assert response.status_code == 404
    code = release / "cabas-caisse-1.4.0.pyz"
    code.write_bytes(code.read_bytes() + b"\0")
    assert till_a.get("caisse/latest").status_code == 404
    assert till_a.get("caisse/1.4.0.pyz").status_code == 404


def test_a_release_signed_with_another_key_is_not_served(world, till_a, release, settings):
    other = base64.b64encode(bytes(range(32))).decode()
    settings.CABAS_PACKAGE_PUBLIC_KEY = other
    assert till_a.get("caisse/latest").status_code == 404


def test_no_other_file_of_the_dist_folder_is_reachable(world, till_a, release):
    (release / "cabas-caisse-secret.txt").write_text("x")
    for name in ("cabas-caisse-secret.txt", "cabas-caisse-1.4.0.json", "..%2Fsettings.py"):
        assert till_a.get(f"caisse/paquets/{name}").status_code == 404


@pytest.mark.parametrize(
    ("agent", "first", "words"),
    [
        (WINDOWS_UA, "windows-x86_64", "Install Now"),
        (MAC_UA, "macos-arm64", "Python Launcher"),
        (LINUX_UA, "linux-x86_64", "python3-tk"),
    ],
)
def test_the_page_puts_the_visitors_system_first_in_three_steps(
    alice_client, release, agent, first, words
):
    page = alice_client.get("/caisse/", HTTP_USER_AGENT=agent).content.decode()
    buttons = re.findall(r'href="/caisse/telecharger/\?plateforme=([a-z0-9_-]+)"', page)
    assert buttons[0] == first and len(set(buttons)) == 3
    assert words in page
    assert "pip install" not in page and "enroll --server" not in page
    steps = re.search(r'<ol class="steps">(.*?)</ol>', page, re.S).group(1)
    assert steps.count("<li>") == 3


def test_a_phone_sees_the_choice_without_a_guess(alice_client, release):
    agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1"
    page = alice_client.get("/caisse/", HTTP_USER_AGENT=agent).content.decode()
    assert "Choisissez le système" in page


def test_the_downloaded_bundle_carries_this_servers_address_signed(alice_client, release, world):
    from cabas.gestion.pos import keys
    from cabas.protocol import read_setup_comment

    response = alice_client.get("/caisse/telecharger/?plateforme=linux-x86_64")
    assert response.status_code == 200
    assert "cabas-caisse-1.4.0-linux-x86_64.pyz" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    built = (release / "cabas-caisse-1.4.0-linux-x86_64.pyz").read_bytes()
    assert body[: len(built) - 2] == built[:-2]  # the build's bytes, the comment aside
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.read("__main__.py")  # still a valid zip
        comment = archive.comment
    payload = read_setup_comment(comment, base64.b64decode(keys.setup_public_key_b64()))
    setup = json.loads(payload)
    assert setup["server_url"] == "http://testserver"
    assert setup["store_name"] == world.store_a.name
    assert setup["package_public_key"] == public_key_b64()
    with pytest.raises(ValueError, match="modifié"):
        read_setup_comment(
            comment.replace(b"testserver", b"evil.example"),
            base64.b64decode(keys.setup_public_key_b64()),
        )


def test_the_public_address_setting_wins(alice_client, release, settings):
    from cabas.gestion.pos import keys
    from cabas.protocol import read_setup_comment

    settings.CABAS_PUBLIC_URL = "https://cabas.example.org/"
    response = alice_client.get("/caisse/telecharger/?plateforme=windows-x86_64")
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        payload = read_setup_comment(archive.comment, base64.b64decode(keys.setup_public_key_b64()))
    assert json.loads(payload)["server_url"] == "https://cabas.example.org"


def test_an_unknown_platform_is_a_french_message(alice_client, release):
    response = alice_client.get("/caisse/telecharger/?plateforme=amiga-68k", follow=True)
    assert "existe pas pour ce système" in response.content.decode()
