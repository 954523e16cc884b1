"""The keys of the till's packages (docs/operations.md, « Les clés des paquets de caisse »).

- The **release key** (Ed25519, `CABAS_PACKAGE_SIGNING_KEY`) signs each package when it is built
  (`make caisse`). It belongs on the machine that builds releases, not on the web server: the web
  process only needs its public half (`CABAS_PACKAGE_PUBLIC_KEY`), to check what it serves and to
  give it to tills. Outside production a development key is generated once into var/.
- The **setup key** signs, at download time, the server address written into a bundle downloaded
  from the *Caisse* page. It is derived from `SECRET_KEY`, so it needs no setting of its own; its
  public half is built into the bundles.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_key_lock = threading.Lock()


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def _raw_public_b64(private: bytes) -> str:
    public = Ed25519PrivateKey.from_private_bytes(private).public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def decode_key(text: str, name: str) -> bytes:
    """32 raw bytes from base64; ImproperlyConfigured naming the setting otherwise."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} must be base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{name} must hold 32 raw bytes")
    return raw


def signing_key() -> bytes:
    """The 32-byte raw release key: `CABAS_PACKAGE_SIGNING_KEY`, else (outside production) a
    development key generated once into var/. Only the build (`cabas build_caisse`) uses it."""
    configured = settings.CABAS_PACKAGE_SIGNING_KEY
    if configured:
        return decode_key(configured, "CABAS_PACKAGE_SIGNING_KEY")
    if settings.PRODUCTION:
        raise ImproperlyConfigured(
            "CABAS_PACKAGE_SIGNING_KEY must be set to build till packages in production"
        )
    path = Path(settings.VAR_DIR) / "package-signing-key"
    with _key_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            encoded = base64.b64encode(_raw_private(Ed25519PrivateKey.generate()))
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(encoded + b"\n")
        return base64.b64decode(path.read_bytes().strip())


def public_key_b64() -> str:
    """The base64 public release key that tills trust: `CABAS_PACKAGE_PUBLIC_KEY`, else (outside
    production) the public half of the signing key."""
    configured = settings.CABAS_PACKAGE_PUBLIC_KEY
    if configured:
        decode_key(configured, "CABAS_PACKAGE_PUBLIC_KEY")
        return configured.strip()
    if settings.PRODUCTION and not settings.CABAS_PACKAGE_SIGNING_KEY:
        raise ImproperlyConfigured("CABAS_PACKAGE_PUBLIC_KEY must be set in production")
    return _raw_public_b64(signing_key())


def setup_key() -> bytes:
    """The 32-byte raw setup key, derived from SECRET_KEY (HKDF-SHA256)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"cabas-caisse-setup-key-v1"
    ).derive(settings.SECRET_KEY.encode("utf-8"))


def setup_public_key_b64() -> str:
    return _raw_public_b64(setup_key())
