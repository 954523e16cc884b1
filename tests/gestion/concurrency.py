"""Running one piece of work from several threads at once, on the test database (tests marked
``django_db(transaction=True)``: real commits, one connection per thread)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from django.db import connection, connections


def run_in_threads(
    work: Callable[[], object], threads: int
) -> tuple[list[object], list[BaseException]]:
    """The results and the exceptions of ``work`` called from ``threads`` threads released
    together by a barrier."""
    results: list[object] = []
    errors: list[BaseException] = []
    start = threading.Barrier(threads)
    # The in-memory SQLite test database shares one cache between threads and answers "table
    # is locked" instead of waiting on its busy timeout: queue the calls there only
    # (PostgreSQL and MariaDB really race).
    gate = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()

    def target() -> None:
        try:
            start.wait()
            with gate:
                results.append(work())
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    running = [threading.Thread(target=target) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=120)
    return results, errors
