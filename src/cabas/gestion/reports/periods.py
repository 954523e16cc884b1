"""Report periods: calendar dates of the shop, turned into UTC instants in its time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from cabas.gestion.stores.models import Store
from cabas.rules.budget import month_bounds, parse_month

# A report never spans more than this (the statistics builder and the exports check it).
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Period:
    """From ``first`` to ``last`` (both included), shop's dates in the shop's time zone."""

    first: date
    last: date
    tz: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(_("La date de fin précède la date de début."))
        if (self.last - self.first).days >= MAX_DAYS:
            raise ValueError(_("Une période de plus de trois ans est trop longue pour un rapport."))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def start(self) -> datetime:
        """The first instant (local midnight of ``first``), in UTC."""
        return datetime.combine(self.first, time(0), tzinfo=self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The instant after the period (local midnight after ``last``), excluded, in UTC."""
        return datetime.combine(
            self.last + timedelta(days=1), time(0), tzinfo=self.zone
        ).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def label(self) -> str:
        if self.first.day == 1 and self.last == _month_last_day(self.last):
            if self.first.year == self.last.year and self.first.month == self.last.month:
                return f"{self.first:%m/%Y}"
            if (self.first.month, self.last.month) == (1, 12) and self.first.year == self.last.year:
                return str(self.first.year)
        return f"{self.first:%d/%m/%Y} – {self.last:%d/%m/%Y}"

    def previous_days(self, days: int) -> date:
        return self.last - timedelta(days=days)


def _month_last_day(day: date) -> date:
    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def month_period(month: str, tz: str) -> Period:
    """The budget month ``"YYYY-MM"`` (bounds as :func:`cabas.rules.budget.month_bounds`)."""
    start, end = month_bounds(month, tz)
    zone = ZoneInfo(tz)
    return Period(
        start.astimezone(zone).date(), (end.astimezone(zone) - timedelta(days=1)).date(), tz
    )


def year_period(year: int, tz: str) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), tz)


def current_month_period(store: Store) -> Period:
    today = store.today()
    return month_period(f"{today:%Y-%m}", store.timezone)


def last_full_month(store: Store) -> str:
    today = store.today()
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first:%Y-%m}"


def parse_month_or_error(value: str) -> str:
    parse_month(value)
    return value
