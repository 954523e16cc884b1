"""Updates: a signed newer package is installed beside the previous one; a bad signature, a
tampered file or an older version is refused."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cabas.caisse.core.config import load_config, save_config
from cabas.caisse.core.updater import Updater, package_path, version_key
from cabas.protocol import LatestPackage, sign_package


def make_package(version: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("__main__.py", f"print('cabas-caisse {version}')\n")
    return buffer.getvalue()


@pytest.fixture
def keys():
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes_raw()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return raw_private, base64.b64encode(public).decode()


@pytest.fixture
def updater(ctx, server, keys):
    config = load_config(ctx.data)
    config.public_key = keys[1]
    save_config(ctx.data, config)
    return Updater(ctx.data, config, server, running_version="0.1.0")


def publish(server, keys, version, content=None, *, sign_with=None, sha=None):
    content = content if content is not None else make_package(version)
    digest = sha or hashlib.sha256(content).hexdigest()
    url = f"/api/pos/v1/caisse/cabas-caisse-{version}.pyz"
    server.files[url] = content
    signature = sign_package(version, digest, sign_with or keys[0])
    server.latest = LatestPackage(version=version, url=url, sha256=digest, signature=signature)


def test_versions_compare_as_releases():
    assert version_key("0.2.0") > version_key("0.2.0rc1") > version_key("0.1.10")
    assert version_key("0.1.10") > version_key("0.1.9")
    assert version_key("1.0") == version_key("1.0.0")
    with pytest.raises(ValueError):
        version_key("latest")


def test_a_newer_signed_package_is_installed_and_the_previous_kept(updater, server, keys, ctx):
    publish(server, keys, "0.2.0")
    outcome = updater.check_and_install()
    assert outcome.installed == "0.2.0"
    assert package_path(ctx.data, "0.2.0").read_bytes() == server.files[server.latest.url]
    publish(server, keys, "0.3.0")
    assert updater.check_and_install().installed == "0.3.0"
    config = load_config(ctx.data)
    assert (config.installed_version, config.previous_version) == ("0.3.0", "0.2.0")
    assert package_path(ctx.data, "0.2.0").exists()
    publish(server, keys, "0.4.0")
    updater.check_and_install()
    assert not package_path(ctx.data, "0.2.0").exists()  # only current + previous are kept
    assert updater.current_version() == "0.4.0"


def test_a_bad_signature_is_refused(updater, server, keys, ctx):
    other = Ed25519PrivateKey.generate().private_bytes_raw()
    publish(server, keys, "0.2.0", sign_with=other)
    outcome = updater.check_and_install()
    assert outcome.refused and "signature" in outcome.message
    assert not list(ctx.data.versions.iterdir())


def test_a_tampered_file_is_refused(updater, server, keys, ctx):
    genuine = make_package("0.2.0")
    publish(server, keys, "0.2.0", genuine)
    server.files[server.latest.url] = make_package("0.2.0-evil".replace("-", ""))
    outcome = updater.check_and_install()
    assert outcome.refused and "SHA-256" in outcome.message
    assert not list(ctx.data.versions.glob("*.pyz"))
    assert not [p for p in ctx.data.versions.iterdir()]  # no temporary file left


def test_an_older_version_is_refused(updater, server, keys, ctx):
    publish(server, keys, "0.2.0")
    updater.check_and_install()
    publish(server, keys, "0.1.5")
    outcome = updater.check_and_install()
    assert outcome.refused and "plus ancienne" in outcome.message
    assert load_config(ctx.data).installed_version == "0.2.0"


def test_offline_the_installed_version_is_kept_and_the_reason_given(updater, server):
    server.online = False
    outcome = updater.check_and_install()
    assert outcome.installed is None and "injoignable" in outcome.message


def test_without_a_public_key_updates_are_refused(ctx, server, keys):
    config = load_config(ctx.data)
    publish(server, keys, "0.2.0")
    outcome = Updater(ctx.data, config, server, "0.1.0").check_and_install()
    assert outcome.refused and "clé publique" in outcome.message
