"""Writes about sales: the quarantine of refused payloads."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from cabas.gestion.pos.models import Device
from cabas.gestion.sales.models import QuarantinedPayload

MAX_RAW_CHARS = 5_000_000


def _raw_text(raw: Any) -> str:
    if isinstance(raw, str):
        return raw[:MAX_RAW_CHARS]
    return json.dumps(raw, ensure_ascii=False, default=str)[:MAX_RAW_CHARS]


def quarantine_payload(
    *,
    device: Device,
    kind: str,
    raw: Any,
    reason: str,
    message: str,
    details: Any = None,
    object_id: str | None = None,
) -> QuarantinedPayload:
    """Keep a refused payload whole (its own transaction: it must survive whatever else)."""
    with transaction.atomic():
        return QuarantinedPayload.objects.create(
            store_id=device.store_id,
            device=device,
            kind=kind,
            object_id=(object_id or "")[:100],
            reason=reason[:40],
            message=message,
            details=details,
            raw=_raw_text(raw),
        )


def quarantine_many(*, device: Device, items: Sequence[QuarantinedPayload]) -> None:
    """Keep several refused payloads in one statement."""
    if items:
        with transaction.atomic():
            QuarantinedPayload.objects.bulk_create(items)
