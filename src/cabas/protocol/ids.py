"""Ids the till gives its tickets and cash sessions: UUID version 7 (RFC 9562).

The first 48 bits are the Unix time in milliseconds, the other 74 (but the version and variant)
random: as unique as version 4's, but a shop's tickets arrive in about the order of their ids,
so the server's indexes on them (the tickets' primary key, the lines', movements' and payments'
references to it) grow at their right edge instead of at a random page each: fewer pages
written per ticket, a cache that keeps the recent ones. A till whose clock is wrong still makes
unique ids; only that locality is lost.
"""

from __future__ import annotations

import secrets
import time
import uuid

_VERSION = 0x7
_VARIANT = 0b10


def new_id(now_ns: int | None = None) -> uuid.UUID:
    """A new UUIDv7 for ``now_ns`` (nanoseconds since the epoch; default: now)."""
    millis = (time.time_ns() if now_ns is None else now_ns) // 1_000_000
    rand_a = secrets.randbits(12)
    rand_b = secrets.randbits(62)
    value = (
        (millis & ((1 << 48) - 1)) << 80 | _VERSION << 76 | rand_a << 64 | _VARIANT << 62 | rand_b
    )
    return uuid.UUID(int=value)
