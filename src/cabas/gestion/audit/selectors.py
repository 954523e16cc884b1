"""Reads of the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.stores.models import Store


def store_audit_events(store: Store, *, action_prefix: str = "") -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(store=store).select_related("actor")
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    return events
