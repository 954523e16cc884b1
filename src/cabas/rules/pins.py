"""Cashier PINs: the rule a PIN follows and the slow salted hash the till checks offline.

Encoded form (self-describing, so the iteration count can grow later):
``pbkdf2_sha256$<iterations>$<salt, base64>$<hash, base64>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re

ALGORITHM = "pbkdf2_sha256"
DEFAULT_ITERATIONS = 200_000
SALT_BYTES = 16
PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 8
# An encoded PIN comes from the server's snapshot; refuse absurd counts rather than hang the till.
_MAX_ITERATIONS = 10_000_000

_PIN = re.compile(rf"[0-9]{{{PIN_MIN_DIGITS},{PIN_MAX_DIGITS}}}")


def validate_pin(pin: str) -> None:
    """Raise ValueError (French message) unless ``pin`` is 4 to 8 digits."""
    if not isinstance(pin, str) or _PIN.fullmatch(pin) is None:
        raise ValueError(
            f"Le code PIN doit compter de {PIN_MIN_DIGITS} à {PIN_MAX_DIGITS} chiffres."
        )


def _derive(pin: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)


def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = DEFAULT_ITERATIONS) -> str:
    """The encoded hash of a valid PIN, with a random salt unless one is given (tests)."""
    validate_pin(pin)
    if not 1 <= iterations <= _MAX_ITERATIONS:
        raise ValueError("Nombre d'itérations invalide pour le hachage du code PIN.")
    if salt is None:
        salt = os.urandom(SALT_BYTES)
    digest = _derive(pin, salt, iterations)
    salt_b64 = base64.b64encode(salt).decode("ascii")
    digest_b64 = base64.b64encode(digest).decode("ascii")
    return f"{ALGORITHM}${iterations}${salt_b64}${digest_b64}"


def verify_pin(pin: str, encoded: str) -> bool:
    """True if ``pin`` matches ``encoded``; False for a wrong PIN or a malformed hash."""
    try:
        algorithm, iterations_text, salt_b64, digest_b64 = encoded.split("$")
        iterations = int(iterations_text)
        salt = base64.b64decode(salt_b64, validate=True)
        expected = base64.b64decode(digest_b64, validate=True)
    except (AttributeError, ValueError, binascii.Error):
        return False
    if algorithm != ALGORITHM or not 1 <= iterations <= _MAX_ITERATIONS or not expected:
        return False
    if not isinstance(pin, str):
        return False
    return hmac.compare_digest(_derive(pin, salt, iterations), expected)
