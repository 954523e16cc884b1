"""The till API's tests use the tills of tests/gestion/pos (enrolled through pos's services) and
the same clean slate: no quarantine rate limit for the fuzzers, no cached snapshot."""

from tests.gestion.pos.conftest import (  # noqa: F401
    _empty_snapshot_cache,
    _no_quarantine_rate_limit,
    till_a,
    till_b,
)
