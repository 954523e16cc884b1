"""Admissions: how many times a household's rights may be renewed in a row, and how long it
waits after that before new rights (the shop's rule, enforced when rights are renewed).

A run of rights is the latest periods that follow one another without a gap; the first
period of a run is the admission, the others its renewals.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from cabas.rules.dates import add_months


def latest_run(periods: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """The latest periods (start, end) that follow one another without a gap, oldest first."""
    ordered = sorted(periods)
    if not ordered:
        return []
    run = [ordered[-1]]
    for start, end in reversed(ordered[:-1]):
        if end >= run[0][0] - timedelta(days=1):
            run.insert(0, (start, end))
        else:
            break
    return run


def next_rights_from(
    periods: Iterable[tuple[date, date]], *, renewals_allowed: int, waiting_months: int
) -> date | None:
    """The first day new rights may start, or None when they may start any day (the run has
    renewals left, or there is no run). Once the run used its renewals, new rights start
    after a gap of ``waiting_months`` months (at least one day) from the run's last day."""
    if renewals_allowed < 0 or waiting_months < 0:
        raise ValueError("Les renouvellements et le délai de carence sont positifs ou nuls.")
    run = latest_run(periods)
    if not run or len(run) - 1 < renewals_allowed:
        return None
    last = run[-1][1]
    return max(last + timedelta(days=2), add_months(last, waiting_months) + timedelta(days=1))
