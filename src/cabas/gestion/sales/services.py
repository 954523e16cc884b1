"""Writes about sales: the quarantine of refused payloads, the review of anomalies. The intake
of tickets itself is `cabas.gestion.sales.intake`."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.audit.services import audit_record
from cabas.gestion.pos.models import Device
from cabas.gestion.sales.models import Anomaly, QuarantinedPayload
from cabas.gestion.stores.models import Store

logger = logging.getLogger(__name__)

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


def _raw_body(raw: Any) -> tuple[str, bool, str, int]:
    """The bounded copy of a refused body (its first CABAS_QUARANTINE_KEEP_BYTES bytes, cut on
    a character), whether it was cut, and the SHA-256 and size in bytes of the whole: the
    bytes the till sent, or the UTF-8 of the text or of the JSON of a parsed value (its NULs
    and lone surrogates escaped first, see `_without_nul`)."""
    if isinstance(raw, bytes):
        body = raw
    else:
        text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False, default=str)
        body = _without_nul(text).encode("utf-8")
    cut = max(0, settings.CABAS_QUARANTINE_KEEP_BYTES)
    truncated = len(body) > cut
    if truncated:  # never in the middle of a character: back to its first byte
        while cut > 0 and body[cut] & 0xC0 == 0x80:
            cut -= 1
    copy = body[:cut].decode("utf-8", "replace")
    return _without_nul(copy), truncated, hashlib.sha256(body).hexdigest(), len(body)


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
    """The (unsaved) quarantine row of a refused payload: a bounded copy with the hash and size
    of the whole, storable anywhere."""
    copy, truncated, sha256, size = _raw_body(raw)
    return QuarantinedPayload(
        store_id=device.store_id,
        device=device,
        kind=kind,
        object_id=_without_nul((object_id or "")[:100]),
        reason=reason[:40],
        message=_without_nul(message),
        details=_without_nul(details),
        raw=copy,
        truncated=truncated,
        body_sha256=sha256,
        body_size=size,
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
    """Keep a refused payload (its own transaction: it must survive whatever else)."""
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
    quarantine_trim(device_ids=[device.pk])
    return row


def quarantine_many(*, device: Device, items: Sequence[QuarantinedPayload]) -> None:
    """Keep several refused payloads in one statement."""
    if items:
        with transaction.atomic():
            QuarantinedPayload.objects.bulk_create(items)
        quarantine_trim(device_ids=[device.pk])


def quarantine_trim(*, device_ids: Sequence[Any]) -> int:
    """The per-till quota: past CABAS_QUARANTINE_PER_DEVICE rows of a till, its oldest are
    erased (logged, and said on the quarantine page). The number erased."""
    limit = max(1, settings.CABAS_QUARANTINE_PER_DEVICE)
    erased = 0
    for device_id in set(device_ids):
        rows = QuarantinedPayload.objects.filter(device_id=device_id)
        old = list(rows.order_by("-received_at", "-id").values_list("pk", flat=True)[limit:])
        if old:
            erased += QuarantinedPayload.objects.filter(pk__in=old).delete()[0]
            logger.warning(
                "quarantine of device %s over its quota of %d: %d oldest erased",
                device_id,
                limit,
                len(old),
            )
    return erased


def quarantine_purge(*, now: Any = None, dry_run: bool = False) -> int:
    """Erase the quarantined payloads older than CABAS_QUARANTINE_RETENTION_DAYS, seen by the
    manager or not (`cabas purge_quarantine`, nightly). The number erased (or due)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CABAS_QUARANTINE_RETENTION_DAYS)
    due = QuarantinedPayload.objects.filter(received_at__lt=cutoff)
    if dry_run:
        return due.count()
    return due.delete()[0]


@transaction.atomic
def anomaly_handle(*, anomaly: Anomaly, actor: User | None, note: str = "") -> Anomaly:
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
def anomalies_handle(
    *,
    store: Store,
    actor: User | None,
    note: str,
    anomaly_ids: Sequence[int] = (),
    kind: str = "",
) -> int:
    """Mark several of the shop's anomalies as reviewed with one reason: the chosen ones, or
    every one still to review of one kind. Each is audited; returns how many were handled now
    (those another manager handled meanwhile are left as they are)."""
    note = " ".join(note.split())[:300]
    if not note:
        raise ValidationError(
            {"note": _("Indiquez la raison, elle est gardée avec chaque anomalie.")}
        )
    if not anomaly_ids and not kind:
        raise ValidationError(_("Choisissez au moins une anomalie."))
    pending = Anomaly.objects.filter(store=store, handled_at__isnull=True)
    pending = pending.filter(pk__in=list(anomaly_ids)) if anomaly_ids else pending.filter(kind=kind)
    # Locked in one order: two managers handling overlapping selections never deadlock, and
    # each anomaly is handled (and journaled) once.
    anomalies = list(pending.select_for_update().order_by("pk"))
    now = timezone.now()
    by = actor if getattr(actor, "is_authenticated", False) else None
    for anomaly in anomalies:
        anomaly.handled_at, anomaly.handled_by, anomaly.handled_note = now, by, note
        audit_record(
            store=store,
            actor=actor,
            action="sales.anomaly_handled",
            target=anomaly,
            changes={"kind": [None, anomaly.kind]},
            reason=note,
        )
    Anomaly.objects.bulk_update(anomalies, ["handled_at", "handled_by", "handled_note"])
    return len(anomalies)


@transaction.atomic
def quarantine_mark_reviewed(*, item: QuarantinedPayload, actor: User | None) -> QuarantinedPayload:
    if item.reviewed_at is None:
        item.reviewed_at = timezone.now()
        item.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
        item.save(update_fields=["reviewed_at", "reviewed_by"])
        audit_record(store=item.store, actor=actor, action="sales.quarantine_reviewed", target=item)
    return item
