"""Canonical JSON of a protocol model, and the fingerprints built on it.

Both sides compute fingerprints from their own model instance, possibly with different pydantic
versions, so the canonical form is written out here rather than taken from pydantic's JSON
serialiser: UUIDs in lower-case hyphenated form, datetimes as Python's `isoformat()` (offset
kept as sent, never converted to UTC), dates as `YYYY-MM-DD`, keys sorted, no spaces, UTF-8,
and null values left out (so that adding an optional field later does not change the
fingerprint of tickets that do not use it).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel


def canonical_value(value: Any) -> Any:
    """The JSON-ready canonical form of a dumped model value (see the module docstring)."""
    # The exact types of a dumped model first (a ticket has some fifty values): the same
    # results as the checks below, without their chain of isinstance calls.
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value
    if kind is dict:
        return {str(key): canonical_value(item) for key, item in value.items() if item is not None}
    if kind is list:
        return [canonical_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): canonical_value(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [canonical_value(item) for item in value]
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):  # before date: a datetime is a date
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(f"no canonical JSON form for {type(value).__name__}")


def canonical_json(model: BaseModel) -> bytes:
    """Canonical JSON bytes of a model: sorted keys, no spaces, UTF-8, nulls left out."""
    data = canonical_value(model.model_dump(mode="python"))
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: a lone surrogate cannot make one side crash and not the other.
    return text.encode("utf-8", "surrogatepass")


def fingerprint(model: BaseModel) -> str:
    """Lower-case hex SHA-256 of the model's canonical JSON."""
    return hashlib.sha256(canonical_json(model)).hexdigest()
