"""Writes about sales: the quarantine of refused payloads, the review of anomalies. The intake
of tickets itself is `cabas.gestion.sales.intake`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.audit.services import audit_record
from cabas.gestion.pos.models import Device
from cabas.gestion.sales.models import Anomaly, QuarantinedPayload

MAX_RAW_CHARS = 5_000_000

# The messages the intake wrote with the household's short name in them, before the name was
# left to the pages (which show the ticket's household as it is at display time).
_NAMED_MESSAGES = (
    (
        re.compile(r"^Vente au foyer .+ dont les droits sont suspendus\.$", re.DOTALL),
        "Vente à un foyer dont les droits sont suspendus.",
    ),
    (
        re.compile(r"^Vente au foyer .+ dont les droits ne sont pas ouverts\.$", re.DOTALL),
        "Vente à un foyer dont les droits ne sont pas ouverts.",
    ),
    (re.compile(r"^Budget du foyer .+? dépassé : ", re.DOTALL), "Budget du foyer dépassé : "),
)


def message_without_name(message: str) -> str:
    """An anomaly's message in today's wording, without the household's name the intake
    used to write in it."""
    for pattern, replacement in _NAMED_MESSAGES:
        message = pattern.sub(replacement, message, count=1)
    return message


def _without_names(text: str, names: Sequence[str]) -> str:
    for name in names:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "…", text, flags=re.IGNORECASE)
    return text


def anomalies_scrub_names(*, anomalies: Iterable[Anomaly], names: Iterable[str]) -> int:
    """Remove `names` (a household's short name, surname, first name…) from the stored text
    of `anomalies` (message, reviewer's note) and of their audit entries. Returns how many
    anomalies changed."""
    # The longest first: the short name "DUPONT M." before the surname "Dupont".
    cleaned = sorted({" ".join(n.split()) for n in names if n.strip()}, key=len, reverse=True)
    changed = []
    for anomaly in anomalies:
        message = _without_names(message_without_name(anomaly.message), cleaned)
        note = _without_names(anomaly.handled_note, cleaned)
        if (message, note) != (anomaly.message, anomaly.handled_note):
            anomaly.message, anomaly.handled_note = message, note
            changed.append(anomaly)
    Anomaly.objects.bulk_update(changed, ["message", "handled_note"], batch_size=500)
    for anomaly in changed:
        AuditEvent.objects.filter(
            target_type=Anomaly._meta.label_lower, target_id=str(anomaly.pk)
        ).update(target_repr=anomaly.message[:200], reason=anomaly.handled_note[:300])
    return len(changed)


def _raw_text(raw: Any) -> str:
    if isinstance(raw, str):
        return _without_nul(raw[:MAX_RAW_CHARS])
    return _without_nul(json.dumps(raw, ensure_ascii=False, default=str)[:MAX_RAW_CHARS])


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _without_nul(value: Any) -> Any:
    """PostgreSQL text and jsonb cannot hold a NUL character, and no database can encode a
    lone surrogate (a "\\ud800" of the JSON, that no UTF-8 can hold): keep them visible as
    their escapes "\\u0000", "\\ud800" (what the JSON on the wire said), in strings at any
    depth."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(_escape, value)
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(item) for item in value]
    return value


def quarantine_row(
    *,
    device: Device,
    kind: str,
    raw: Any,
    reason: str,
    message: str,
    details: Any = None,
    object_id: str | None = None,
) -> QuarantinedPayload:
    """The (unsaved) quarantine row of a refused payload, kept whole and storable anywhere."""
    return QuarantinedPayload(
        store_id=device.store_id,
        device=device,
        kind=kind,
        object_id=_without_nul((object_id or "")[:100]),
        reason=reason[:40],
        message=_without_nul(message),
        details=_without_nul(details),
        raw=_raw_text(raw),
    )


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
    row = quarantine_row(
        device=device,
        kind=kind,
        raw=raw,
        reason=reason,
        message=message,
        details=details,
        object_id=object_id,
    )
    with transaction.atomic():
        row.save()
    return row


def quarantine_many(*, device: Device, items: Sequence[QuarantinedPayload]) -> None:
    """Keep several refused payloads in one statement."""
    if items:
        with transaction.atomic():
            QuarantinedPayload.objects.bulk_create(items)


@transaction.atomic
def anomaly_handle(*, anomaly: Anomaly, actor: Any, note: str = "") -> Anomaly:
    """Mark an anomaly as reviewed (audited); handling it twice changes nothing."""
    anomaly = Anomaly.objects.select_for_update().get(pk=anomaly.pk)  # two managers at once
    if anomaly.handled_at is not None:
        return anomaly
    anomaly.handled_at = timezone.now()
    anomaly.handled_by = actor if getattr(actor, "is_authenticated", False) else None
    anomaly.handled_note = note.strip()[:300]
    anomaly.save(update_fields=["handled_at", "handled_by", "handled_note"])
    audit_record(
        store=anomaly.store,
        actor=actor,
        action="sales.anomaly_handled",
        target=anomaly,
        changes={"kind": [None, anomaly.kind]},
        reason=anomaly.handled_note,
    )
    return anomaly


@transaction.atomic
def quarantine_mark_reviewed(*, item: QuarantinedPayload, actor: Any) -> QuarantinedPayload:
    if item.reviewed_at is None:
        item.reviewed_at = timezone.now()
        item.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
        item.save(update_fields=["reviewed_at", "reviewed_by"])
        audit_record(store=item.store, actor=actor, action="sales.quarantine_reviewed", target=item)
    return item
