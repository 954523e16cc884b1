"""Per-address limits on the doors a stranger can knock at without an account (signing in,
password reset, a till's enrolment), and per-key ones (a till's invalid bodies): a fixed
window counted in Django's cache. And a limit on how many requests of one kind the server's
workers run at once (the ticket intake): slots shared by every worker process of the host."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest


def throttle_hit(
    *, scope: str, request: HttpRequest, limit: int, per_seconds: int, key: str | None = None
) -> int | None:
    """Count one request of this address (or of `key`, say a till's id) in `scope`; past
    `limit` in the window, the seconds left before it ends (for Retry-After), else None. The
    address is read as django-axes reads it (CABAS_PROXY_COUNT), so that a proxy in front does
    not make everyone one address."""
    address = key if key is not None else (get_client_ip_address(request) or "unknown")
    now = time.time()
    window = int(now // per_seconds)
    key = f"cabas:throttle:{scope}:{address}:{window}"
    # add() then incr(): two workers counting at once both count (incr is atomic in the cache).
    cache.add(key, 0, timeout=per_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between the two calls: a new window
        cache.add(key, 1, timeout=per_seconds + 1)
        count = 1
    if count <= limit:
        return None
    return max(1, int((window + 1) * per_seconds - now))


logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.02


@contextmanager
def concurrency_slot(folder: Path, *, slots: int, wait_seconds: float) -> Iterator[bool]:
    """Hold one of ``slots`` slots shared by the processes of this host (an exclusive lock on
    one of ``slots`` files in ``folder``; the system releases it when the process dies, even
    killed), waiting at most ``wait_seconds`` for one to free up. Yields whether a slot is
    held: False means the server is saturated and the caller should answer 429. ``slots`` 0,
    or a system without ``fcntl`` or a folder that cannot be written, means no limit."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not a POSIX system
        yield True
        return
    if slots <= 0:
        yield True
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handles = [
            os.open(folder / f"slot-{n}", os.O_RDWR | os.O_CREAT, 0o600) for n in range(slots)
        ]
    except OSError:
        logger.exception("no concurrency slots in %s: no limit", folder)
        yield True
        return
    held: int | None = None
    try:
        deadline = time.monotonic() + wait_seconds
        start = os.getpid() % slots  # processes try the slots in different orders
        while held is None:
            for step in range(slots):
                fd = handles[(start + step) % slots]
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                held = fd
                break
            if held is not None or time.monotonic() >= deadline:
                break
            time.sleep(_POLL_SECONDS)
        yield held is not None
    finally:
        for fd in handles:  # closing the file releases its lock
            os.close(fd)
