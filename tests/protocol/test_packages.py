from __future__ import annotations

import base64

import pytest
from pydantic import ValidationError

from cabas.protocol import (
    LatestPackage,
    package_signing_message,
    sign_package,
    verify_package_signature,
)

SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def _new_keys() -> tuple[bytes, bytes]:
    """A raw Ed25519 key pair: (32-byte private key, 32-byte public key)."""
    ed25519 = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.ed25519")
    serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")
    private = ed25519.Ed25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    private_bytes = private.private_bytes(
        raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public_bytes = private.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
    return private_bytes, public_bytes


@pytest.fixture
def keys() -> tuple[bytes, bytes]:
    return _new_keys()


class TestLatestPackage:
    def test_the_signed_message_binds_the_version_and_the_digest(self):
        assert package_signing_message("1.4.2", SHA) == (
            b"cabas-caisse-package-v1\n1.4.2\n" + SHA.encode() + b"\n"
        )

    def test_the_updater_accepts_what_the_signer_signed(self, keys):
        private, public = keys
        package = LatestPackage(
            version="1.4.2",
            url="/media/caisse/cabas-1.4.2.whl",
            sha256=SHA,
            signature=sign_package("1.4.2", SHA, private),
        )
        assert verify_package_signature(package, public)

    def test_the_updater_refuses_a_signature_moved_to_another_version(self, keys):
        private, public = keys
        signature = sign_package("1.4.2", SHA, private)
        package = LatestPackage(version="9.0.0", url="/x.whl", sha256=SHA, signature=signature)
        assert not verify_package_signature(package, public)

    def test_the_updater_refuses_a_signature_by_another_key(self, keys):
        private, _ = keys
        _, other_public = _new_keys()
        package = LatestPackage(
            version="1.4.2", url="/x.whl", sha256=SHA, signature=sign_package("1.4.2", SHA, private)
        )
        assert not verify_package_signature(package, other_public)

    def test_it_refuses_a_signature_that_is_not_64_bytes_of_base64(self):
        for signature in ("pas du base64!", base64.b64encode(b"x" * 63).decode()):
            with pytest.raises(ValidationError):
                LatestPackage(version="1.0", url="/x.whl", sha256=SHA, signature=signature)

    def test_it_refuses_an_upper_case_or_short_digest(self):
        signature = base64.b64encode(b"x" * 64).decode()
        for sha in (SHA.upper(), SHA[:-1]):
            with pytest.raises(ValidationError):
                LatestPackage(version="1.0", url="/x.whl", sha256=sha, signature=signature)

    def test_it_refuses_a_version_with_a_newline(self):
        signature = base64.b64encode(b"x" * 64).decode()
        with pytest.raises(ValidationError):
            LatestPackage(version="1.0\n2", url="/x.whl", sha256=SHA, signature=signature)
