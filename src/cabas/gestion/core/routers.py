"""Reads that tolerate a little lag (reports) go to the replica when one is configured."""

from __future__ import annotations

from typing import Any

REPLICA_APP_LABELS: set[str] = set()


class ReplicaRouter:
    """Routes nothing by default: report selectors ask for the replica explicitly with
    `.using(reporting_database())`, so that a write path never reads stale data."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"
