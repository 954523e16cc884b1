"""Reads of the audit trail."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.stores.models import Store


def store_audit_events(
    store: Store,
    *,
    action_prefix: str = "",
    action_prefixes: Sequence[str] = (),
    actor_id: int | None = None,
    target_type: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """The shop's journal, newest first, narrowed by kind of action, person, object and period
    (`until` included; days are the shop's days)."""
    events = AuditEvent.objects.filter(store=store).select_related("actor")
    if action_prefix:
        events = events.filter(action__startswith=action_prefix)
    if action_prefixes:
        kinds = Q()
        for prefix in action_prefixes:
            kinds |= Q(action__startswith=prefix)
        events = events.filter(kinds)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if target_type:
        events = events.filter(target_type=target_type)
    zone = zoneinfo.ZoneInfo(store.timezone)
    if since is not None:
        events = events.filter(created_at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
        events = events.filter(created_at__lt=end)
    return events


def store_audit_target_types(store: Store) -> list[str]:
    """The kinds of object the shop's journal mentions, for the filter."""
    return list(
        AuditEvent.objects.filter(store=store)
        .order_by("target_type")
        .values_list("target_type", flat=True)
        .distinct()
    )
