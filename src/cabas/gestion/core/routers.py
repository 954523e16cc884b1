"""Reads that tolerate a little lag (reports) go to the replica when one is configured.

``DATABASE_REPLICA_URL`` adds a ``replica`` database alias (see settings). Nothing is routed
to it implicitly: report selectors ask for it with ``.using(reporting_database())``, so that a
write path never reads stale data. When the replica is configured but cannot be reached, the
reports fall back to the primary and a warning is logged (once per retry interval).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
PRIMARY = "default"

# How long a failed probe of the replica is remembered before trying again (seconds).
RETRY_SECONDS = 30.0

_state_lock = threading.Lock()
_replica_down_until = 0.0


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def _replica_reachable() -> bool:
    global _replica_down_until
    now = time.monotonic()
    with _state_lock:
        if now < _replica_down_until:
            return False
    connection = connections[REPLICA]
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        connection.close()
        with _state_lock:
            _replica_down_until = now + RETRY_SECONDS
        logger.warning(
            "Replica database unreachable (%s); reports read from the primary for %.0f s",
            exc,
            RETRY_SECONDS,
        )
        return False
    return True


def reset_replica_state() -> None:
    """Forget a failed probe (tests, or after an operator repaired the replica)."""
    global _replica_down_until
    with _state_lock:
        _replica_down_until = 0.0


def reporting_database() -> str:
    """The alias report selectors read from: the replica when it is configured and answers,
    else the primary.

    Inside a transaction on the primary the primary is used: the caller may have written rows
    the replica cannot see yet (a report inside a service must read its own writes).
    """
    if not replica_configured():
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    return REPLICA if _replica_reachable() else PRIMARY


class ReplicaRouter:
    """Routes nothing by default (see the module docstring); keeps migrations and writes on the
    primary, and lets rows read from either alias relate to each other (same data)."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY
