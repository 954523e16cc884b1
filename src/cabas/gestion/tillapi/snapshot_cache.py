"""A cache of `GET snapshot` bodies, so that many tills asking at once (opening time, a
restart) do not each rebuild the same 5 MB answer.

An answer is cached per shop, `since` cursor and encoding (gzip or not), under a *version* of
the shop's data: one query of maxima and counts over every table the snapshot reads
(`updated_at` of products, households, spending, categories, quotas, members, cashier profiles,
settings, households' projects; the newest stock movement, lot and ticket ids; tombstones and
retired codes), the
names and states of the shop's members' users (they have no `updated_at`), the shop itself,
and the shop's day and month (rights and spending follow the date by themselves).

Why that is never stale: a cached answer is the answer a request would have had when it was
built, cursor included. A change committed since either carries a timestamp or id above the
maxima of that moment (the version changes: the next request rebuilds), or was in flight while
it was built, and the next delta from its cursor finds it (the cursor margin and id slack are
there for that, as without the cache). A deletion changes a count.

Nothing in the snapshot depends on the device: tills of one shop share entries; the shop's id
is in the key, so no shop ever gets another's. Memory is bounded by the `snapshots` cache
(`CABAS_SNAPSHOT_CACHE_ENTRIES` entries of one worker, each kept `CABAS_SNAPSHOT_CACHE_SECONDS`)
and bodies above `CABAS_SNAPSHOT_CACHE_MAX_BYTES` are not cached.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db.models import Count, Max, OuterRef, Subquery
from django.utils import timezone

from cabas.gestion.accompaniment.models import AccompanimentSettings, Project
from cabas.gestion.beneficiaries.models import (
    BeneficiarySettings,
    Household,
    MonthlySpending,
    Quota,
    RetiredCode,
)
from cabas.gestion.catalog.models import (
    Barcode,
    CatalogSettings,
    CatalogTombstone,
    Category,
    Product,
)
from cabas.gestion.pos.models import CashierProfile
from cabas.gestion.sales.models import Ticket
from cabas.gestion.stock.models import Lot, StockMovement
from cabas.gestion.stores.models import Membership, Store
from cabas.gestion.tillapi.snapshot import build_snapshot
from cabas.rules.budget import month_of

CACHE_ALIAS = "snapshots"
_building: dict[str, threading.Lock] = {}
_building_guard = threading.Lock()


@dataclass(frozen=True)
class SnapshotBody:
    body: bytes
    etag: str
    gzipped: bool


def _per_store(model: Any, expression: Any) -> Subquery:
    rows = model.objects.filter(store=OuterRef("pk")).order_by().values("store")
    return Subquery(rows.annotate(value=expression).values("value")[:1])


def _marks() -> dict[str, Subquery]:
    """Per table the snapshot reads: its newest change (or id) and its row count."""
    changed = {
        Product: "updated_at",
        Category: "updated_at",
        CatalogTombstone: "deleted_at",
        CatalogSettings: "updated_at",
        StockMovement: "pk",
        Lot: "pk",
        Household: "updated_at",
        MonthlySpending: "updated_at",
        RetiredCode: "retired_at",
        Ticket: "received_at",  # its key is a UUID: no MAX() on PostgreSQL, and unordered
        Quota: "updated_at",
        BeneficiarySettings: "updated_at",
        Membership: "updated_at",
        CashierProfile: "updated_at",
        Project: "updated_at",  # the households' projects at the till
        AccompanimentSettings: "updated_at",
    }
    found: dict[str, Subquery] = {}
    for model, field in changed.items():
        name = model._meta.label_lower.replace(".", "_")
        found[f"v_{name}_last"] = _per_store(model, Max(field))
    # Counts catch deletions, and tickets of one batch that share their received_at.
    counted = (
        Product,
        Barcode,
        Category,
        Lot,
        Household,
        Quota,
        Membership,
        CashierProfile,
        Ticket,
    )
    for model in counted:
        name = model._meta.label_lower.replace(".", "_")
        found[f"v_{name}_rows"] = _per_store(model, Count("pk"))
    return found


_MARKS = _marks()


def data_version(store: Store) -> str:
    """A short hash that changes whenever anything the snapshot of `store` shows may have
    changed (two queries)."""
    marks = (
        Store.objects.filter(pk=store.pk)
        .annotate(**_MARKS)
        .values_list("slug", "name", "timezone", "cash_session_required", *_MARKS)
        .get()
    )
    users = list(
        get_user_model()
        .objects.filter(memberships__store=store)
        .order_by("pk")
        .values_list("pk", "is_active", "first_name", "last_name", "username")
    )
    now = timezone.now()
    day = now.astimezone(ZoneInfo(store.timezone)).date().isoformat()
    raw = orjson.dumps(
        [store.pk, day, month_of(now, store.timezone), marks, users],
        default=str,
    )
    return hashlib.sha256(raw).hexdigest()[:32]


def _key(store: Store, since: str | None, gzipped: bool, version: str) -> str:
    since_hash = hashlib.sha256((since or "").encode()).hexdigest()[:32]
    return f"pos.snapshot:{store.pk}:{since_hash}:{int(gzipped)}:{version}"


def _encode(store: Store, since: str | None, gzipped: bool) -> SnapshotBody:
    built = build_snapshot(store, since)
    body = gzip.compress(built.body, compresslevel=6) if gzipped else built.body
    return SnapshotBody(body=body, etag=built.etag, gzipped=gzipped)


def snapshot_body(store: Store, since: str | None, gzipped: bool) -> SnapshotBody:
    """The snapshot answer of `store` since `since`, gzip-compressed when `gzipped`: from the
    cache when the shop's data has not changed since it was built."""
    if settings.CABAS_SNAPSHOT_CACHE_SECONDS <= 0:
        return _encode(store, since, gzipped)
    cache = caches[CACHE_ALIAS]
    key = _key(store, since, gzipped, data_version(store))
    found = cache.get(key)
    if isinstance(found, SnapshotBody):
        return found
    # Threads of one worker missing the same entry at once wait for one build.
    with _building_guard:
        lock = _building.setdefault(key, threading.Lock())
    try:
        with lock:
            found = cache.get(key)
            if isinstance(found, SnapshotBody):
                return found
            answer = _encode(store, since, gzipped)
            if len(answer.body) <= settings.CABAS_SNAPSHOT_CACHE_MAX_BYTES:
                cache.set(key, answer, settings.CABAS_SNAPSHOT_CACHE_SECONDS)
            return answer
    finally:
        with _building_guard:
            if _building.get(key) is lock:
                del _building[key]
