"""`GET caisse/latest`: the newest till package and the Ed25519 signature scheme that the
signer (server side) and the updater (till side) share.

The signed message binds the version to the file's digest and names its purpose:

    b"cabas-caisse-package-v1\\n" + version + b"\\n" + sha256 + b"\\n"   (ASCII)

where `sha256` is the lower-case hex SHA-256 of the package file. `signature` is the 64-byte
Ed25519 signature of that message, in standard base64 with padding. The public key is 32 raw
bytes (shipped with the till, base64 in its configuration). The same scheme signs the code-only
package and each platform's bundle (`bundles`), at build time, with the release key.

A bundle downloaded from the *Caisse* page carries its *setup* in the zip archive's comment: the
server's address and the package key, signed at download time by the server's setup key (whose
public half the bundle was built with), so that a download edited afterwards is refused:

    comment   = SETUP_MAGIC + b"\n" + payload + b"\n" + base64(signature) + b"\n"
    signature = Ed25519(SETUP_DOMAIN + b"\n" + payload)     payload: compact JSON (UTF-8)
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from pydantic import Field, field_validator

from cabas.protocol._base import ReadModel

SIGNATURE_DOMAIN = b"cabas-caisse-package-v1"
ED25519_SIGNATURE_BYTES = 64
ED25519_PUBLIC_KEY_BYTES = 32

# Versions stay printable ASCII without separators, so the signed message is unambiguous.
VERSION_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z.+!_-]{0,63}$"


SETUP_DOMAIN = b"cabas-caisse-setup-v1"
SETUP_MAGIC = b"CABAS-SETUP-1"
# Platforms a bundle is built for (`windows-x86_64`, `macos-arm64`, `linux-x86_64`...).
PLATFORM_PATTERN = r"^[a-z0-9]{1,16}-[a-z0-9_]{1,16}$"
# Which dependencies a code-only package needs: a digest of the till's requirements.
DEPENDENCIES_PATTERN = r"^[0-9a-f]{16,64}$"


class SignedFile(ReadModel):
    """A file of a release: where to download it, its digest and the release key's signature of
    (version, digest)."""

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    signature: str
    size: Annotated[int, Field(ge=0, le=2**40)] | None = None

    @field_validator("signature")
    @classmethod
    def _check_signature_shape(cls, value: str) -> str:
        if len(decode_signature(value)) != ED25519_SIGNATURE_BYTES:
            raise ValueError("La signature doit faire 64 octets (Ed25519), encodée en base64.")
        return value


class BundleFile(SignedFile):
    """One platform's self-contained bundle (the code and its dependencies)."""

    platform: Annotated[str, Field(pattern=PLATFORM_PATTERN)]


class LatestPackage(SignedFile):
    """Answer of `GET caisse/latest`: the code-only package (`url`, `sha256`, `signature`), the
    requirements it runs with (`dependencies`) and the platform bundles, for a till whose
    dependencies differ. `url` is absolute, or a path on the same server. Tills before 0.2
    read only the code package's fields."""

    version: Annotated[str, Field(pattern=VERSION_PATTERN)]
    dependencies: Annotated[str, Field(pattern=DEPENDENCIES_PATTERN)] | None = None
    bundles: Annotated[list[BundleFile], Field(max_length=32)] = []

    def signed_message(self) -> bytes:
        return package_signing_message(self.version, self.sha256)

    def bundle_for(self, platform: str) -> BundleFile | None:
        return next((b for b in self.bundles if b.platform == platform), None)


def package_signing_message(version: str, sha256: str) -> bytes:
    """The exact bytes the Ed25519 signature covers (see the module docstring)."""
    return b"\n".join((SIGNATURE_DOMAIN, version.encode("ascii"), sha256.encode("ascii"), b""))


def decode_signature(signature: str) -> bytes:
    """Bytes of a base64 signature; ValueError (French) when it is not valid base64."""
    try:
        return base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError("La signature n'est pas du base64 valide.") from exc


def sign_package(version: str, sha256: str, private_key: bytes) -> str:
    """Base64 signature of a package, from a 32-byte raw Ed25519 private key.

    Needs `cryptography` (installed with the [server] and [caisse] extras).
    """
    return _sign(private_key, package_signing_message(version, sha256))


def verify_package_signature(
    package: LatestPackage, public_key: bytes, file: SignedFile | None = None
) -> bool:
    """Whether the signature of `file` (by default the code package itself) is a valid
    signature of `package.version` and the file's sha256 by the 32-byte raw Ed25519
    `public_key`. The updater must also check the downloaded file's SHA-256 against the
    signed one before installing it.

    Needs `cryptography` (installed with the [server] and [caisse] extras).
    """
    signed = file or package
    message = package_signing_message(package.version, signed.sha256)
    return verify_signature(public_key, signed.signature, message)


def verify_signature(public_key: bytes, signature: str, message: bytes) -> bool:
    """Whether `signature` (base64) is the Ed25519 signature of `message` by `public_key`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(public_key)
        key.verify(decode_signature(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _sign(private_key: bytes, message: bytes) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(message)
    return base64.b64encode(signature).decode("ascii")


def setup_comment(payload: bytes, private_key: bytes) -> bytes:
    """The zip comment that carries a download's setup, signed with the server's setup key."""
    signature = _sign(private_key, SETUP_DOMAIN + b"\n" + payload).encode("ascii")
    return b"\n".join((SETUP_MAGIC, payload, signature, b""))


def read_setup_comment(comment: bytes, public_key: bytes) -> bytes | None:
    """The setup payload of a zip comment; None when there is none; ValueError (French) when
    it is there but does not verify (the download was altered)."""
    if not comment.startswith(SETUP_MAGIC + b"\n"):
        return None
    parts = comment.split(b"\n")
    if len(parts) != 4 or parts[3] != b"":
        raise ValueError("Les réglages de ce fichier de caisse sont illisibles.")
    payload, signature = parts[1], parts[2]
    try:
        signature_text = signature.decode("ascii")
    except UnicodeDecodeError:
        signature_text = ""
    if not signature_text or not verify_signature(
        public_key, signature_text, SETUP_DOMAIN + b"\n" + payload
    ):
        raise ValueError(
            "Ce fichier de caisse a été modifié après son téléchargement : l'adresse du serveur "
            "qu'il contient n'est pas fiable. Téléchargez à nouveau la caisse depuis la page "
            "« Caisse » de la gestion."
        )
    return payload
