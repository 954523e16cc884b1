"""Per-address limits on the doors a stranger can knock at without an account (signing in,
password reset, a till's enrolment), and per-key ones (a till's invalid bodies): a fixed
window counted in Django's cache."""

from __future__ import annotations

import time

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
