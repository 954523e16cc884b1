"""`GET caisse/latest`: the newest till package and the Ed25519 signature scheme that the
signer (server side) and the updater (till side) share.

The signed message binds the version to the file's digest and names its purpose:

    b"cabas-caisse-package-v1\\n" + version + b"\\n" + sha256 + b"\\n"   (ASCII)

where `sha256` is the lower-case hex SHA-256 of the package file. `signature` is the 64-byte
Ed25519 signature of that message, in standard base64 with padding. The public key is 32 raw
bytes (shipped with the till, base64 in its configuration).
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


class LatestPackage(ReadModel):
    """Answer of `GET caisse/latest`. `url` is absolute, or a path on the same server."""

    version: Annotated[str, Field(pattern=VERSION_PATTERN)]
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    signature: str

    @field_validator("signature")
    @classmethod
    def _check_signature_shape(cls, value: str) -> str:
        if len(decode_signature(value)) != ED25519_SIGNATURE_BYTES:
            raise ValueError("La signature doit faire 64 octets (Ed25519), encodée en base64.")
        return value

    def signed_message(self) -> bytes:
        return package_signing_message(self.version, self.sha256)


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
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(private_key)
    signature = key.sign(package_signing_message(version, sha256))
    return base64.b64encode(signature).decode("ascii")


def verify_package_signature(package: LatestPackage, public_key: bytes) -> bool:
    """Whether `package.signature` is a valid signature of its version and sha256 by the
    32-byte raw Ed25519 `public_key`. The updater must also check the downloaded file's
    SHA-256 against `package.sha256` before installing it.

    Needs `cryptography` (installed with the [server] and [caisse] extras).
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(public_key)
    try:
        key.verify(decode_signature(package.signature), package.signed_message())
    except InvalidSignature:
        return False
    return True
