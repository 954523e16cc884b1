"""Recording audit events. Call it inside the service's transaction: no change without its trace."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from cabas.gestion.audit.models import AuditEvent


def diff_fields(
    instance: models.Model, before: Mapping[str, Any], fields: Iterable[str]
) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields whose value changed since `before`."""
    changes: dict[str, list[Any]] = {}
    for name in fields:
        old, new = before.get(name), getattr(instance, name)
        if old != new:
            changes[name] = [_jsonable(old), _jsonable(new)]
    return changes


def snapshot_fields(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def audit_record(
    *,
    store: Any,
    actor: Any,
    action: str,
    target: models.Model,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        store=store,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        changes=dict(changes or {}),
        reason=reason[:300],
    )
