"""Till packages: `cabas build_caisse`, `GET caisse/latest`, the file, the signature."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from cabas.gestion.pos.packages import PUBLIC_KEY_MEMBER, build_package, public_key_b64
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
        "--source",
        str(fake_source(tmp_path / "src")),
        "--package-version",
        "3.0.0",
        stdout=out,
    )
    assert (Path(settings.CABAS_CAISSE_DIST_DIR) / "cabas-caisse-3.0.0.pyz").exists()
    assert out.getvalue().strip().endswith("cabas-caisse-3.0.0.pyz")


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
