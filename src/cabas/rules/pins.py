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
from collections.abc import Iterable

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


# PINs people pick first (beyond repeats and runs, which are found by rule): dates-like
# and keypad patterns from the published PIN frequency studies.
_COMMON = frozenset({"2580", "0852", "1212", "1004", "2000", "6969", "1122", "7777", "1010"})


def _is_run(pin: str) -> bool:
    """Digits that climb or fall by one (wrapping 9→0): 1234, 4321, 7890, 0987."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    return steps in ({1}, {9})


def _is_repeated(pin: str) -> bool:
    """One digit, or one short pattern, over and over: 0000, 1212, 123123."""
    return any(
        len(pin) % size == 0 and pin == pin[:size] * (len(pin) // size)
        for size in range(1, len(pin) // 2 + 1)
    )


def pin_weakness(pin: str, *, known_digits: Iterable[str] = ()) -> str | None:
    """Why ``pin`` is too easy to guess (a French sentence), or None when it is not.

    ``known_digits`` are numbers others can read (the digits of the person's household card,
    of their login): a PIN that is one of them, or is written inside one, is refused."""
    validate_pin(pin)
    if _is_repeated(pin):
        return "Ce code PIN répète les mêmes chiffres : choisissez-en un moins facile à deviner."
    if _is_run(pin):
        return (
            "Ce code PIN suit les chiffres dans l'ordre : choisissez-en un moins facile à deviner."
        )
    if pin in _COMMON:
        return "Ce code PIN est parmi les plus courants : choisissez-en un autre."
    for known in known_digits:
        digits = "".join(ch for ch in known if ch.isdigit())
        if len(digits) >= PIN_MIN_DIGITS and (pin in digits or digits in pin):
            return (
                "Ce code PIN reprend des chiffres de la carte ou de l'identifiant : "
                "choisissez-en un autre."
            )
    return None


def validate_new_pin(pin: str, *, known_digits: Iterable[str] = ()) -> None:
    """Raise ValueError (French) unless ``pin`` may be chosen: the format, and not trivial."""
    weakness = pin_weakness(pin, known_digits=known_digits)
    if weakness is not None:
        raise ValueError(weakness)


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
