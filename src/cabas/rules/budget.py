"""Household budgets: the month window in the shop's time zone, what is left to spend, the
proposed monthly budget, the status of a household's rights and the *reste à vivre*.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from fractions import Fraction
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cabas.rules.money import round_cents

RightsStatus = Literal["active", "suspended", "expired", "upcoming"]

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Fuseau horaire inconnu : « {tz} ».") from exc


def month_of(dt: datetime, tz: str) -> str:
    """The budget month (``"YYYY-MM"``) an instant belongs to, in the shop's time zone."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("La date et l'heure doivent indiquer leur fuseau horaire.")
    return dt.astimezone(_zone(tz)).strftime("%Y-%m")


def parse_month(month: str) -> tuple[int, int]:
    """``"2026-03"`` → ``(2026, 3)``; raises ValueError on anything else."""
    match = _MONTH.fullmatch(month)
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ValueError(f"Mois invalide : « {month} » (attendu AAAA-MM, par exemple 2026-03).")
    return int(match.group(1)), int(match.group(2))


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """The month as UTC instants: start included, end excluded (local midnights)."""
    year, number = parse_month(month)
    zone = _zone(tz)
    next_year, next_number = (year + 1, 1) if number == 12 else (year, number + 1)
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(next_year, next_number, 1, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class BudgetState:
    """A household's month: its budget, what acknowledged tickets spent and what tickets
    still waiting to be sent (on the till) will spend."""

    budget_cents: int
    spent_cents: int
    pending_cents: int = 0

    @property
    def left_cents(self) -> int:
        """What is left to spend; negative when the month is already over budget (a sale is
        never refused, so that can happen)."""
        return self.budget_cents - self.spent_cents - self.pending_cents

    def would_exceed(self, amount_cents: int) -> bool:
        """True if a sale of ``amount_cents`` goes over the budget (a refund never does)."""
        return amount_cents > 0 and amount_cents > self.left_cents

    def over_budget_cents(self, amount_cents: int) -> int:
        """The part of a sale of ``amount_cents`` that is over the budget (0 when it fits; the
        whole sale when the budget is already used up)."""
        if amount_cents <= 0:
            return 0
        return min(amount_cents, max(0, amount_cents - self.left_cents))

    def with_pending(self, amount_cents: int) -> BudgetState:
        """The state once a ticket of ``amount_cents`` waits to be sent."""
        return BudgetState(self.budget_cents, self.spent_cents, self.pending_cents + amount_cents)


def _budget_table(table: object) -> Mapping[int, int]:
    if not isinstance(table, Mapping) or not table:
        raise ValueError("Le barème doit donner un montant pour au moins un adulte.")
    checked: dict[int, int] = {}
    for size, amount in table.items():
        # JSON object keys are strings: accept "2" as well as 2, but not 2.5 or true.
        if isinstance(size, int) and not isinstance(size, bool):
            number = size
        elif isinstance(size, str) and size.isascii() and size.isdigit():
            number = int(size)
        else:
            raise ValueError(f"Taille de foyer invalide dans le barème : « {size} ».")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ValueError(f"Montant invalide dans le barème pour {number} adulte(s).")
        checked[number] = amount
    if 1 not in checked or min(checked) < 1:
        raise ValueError("Le barème doit commencer à un adulte.")
    return MappingProxyType(dict(sorted(checked.items())))


@dataclass(frozen=True)
class BudgetScale:
    """The shop's scale for proposing a monthly budget (the team may always change it).

    ``base_cents_by_adults`` gives the amount for a number of adults (rows may skip sizes); a
    household gets the largest row not above its number of adults, plus
    ``per_extra_adult_cents`` per adult beyond that row and ``per_child_cents`` per child.
    The default scale: 1 adult 20 €, 2 adults 30 €, +10 € per further adult, +5 € per child.
    """

    base_cents_by_adults: Mapping[int, int] = field(
        default_factory=lambda: {1: 2000, 2: 3000}, hash=False
    )
    per_extra_adult_cents: int = 1000
    per_child_cents: int = 500

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_cents_by_adults", _budget_table(self.base_cents_by_adults))
        for amount in (self.per_extra_adult_cents, self.per_child_cents):
            if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
                raise ValueError("Les montants du barème sont des centimes positifs ou nuls.")

    def proposed_budget_cents(self, adults: int, children: int) -> int:
        """The scale's monthly budget for a household."""
        if adults < 1:
            raise ValueError("Un foyer compte au moins un adulte.")
        if children < 0:
            raise ValueError("Le nombre d'enfants ne peut pas être négatif.")
        row = max(size for size in self.base_cents_by_adults if size <= adults)
        return (
            self.base_cents_by_adults[row]
            + (adults - row) * self.per_extra_adult_cents
            + children * self.per_child_cents
        )

    def to_dict(self) -> dict[str, object]:
        """The JSON form the server stores per shop (sizes become string keys)."""
        return {
            "base_cents_by_adults": {str(k): v for k, v in self.base_cents_by_adults.items()},
            "per_extra_adult_cents": self.per_extra_adult_cents,
            "per_child_cents": self.per_child_cents,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> BudgetScale:
        """Inverse of :meth:`to_dict`; raises ValueError (French message) on bad input."""
        if not isinstance(data, Mapping):
            raise ValueError("Le barème doit être un objet JSON.")
        unknown = sorted(str(key) for key in data if key not in _SCALE_KEYS)
        if unknown:
            raise ValueError(f"Clé inconnue dans le barème : {unknown[0]}.")
        default = DEFAULT_BUDGET_SCALE
        extra = data.get("per_extra_adult_cents", default.per_extra_adult_cents)
        child = data.get("per_child_cents", default.per_child_cents)
        if isinstance(extra, bool) or not isinstance(extra, int):
            raise ValueError("« per_extra_adult_cents » doit être un nombre entier de centimes.")
        if isinstance(child, bool) or not isinstance(child, int):
            raise ValueError("« per_child_cents » doit être un nombre entier de centimes.")
        return cls(
            base_cents_by_adults=_budget_table(
                data.get("base_cents_by_adults", default.base_cents_by_adults)
            ),
            per_extra_adult_cents=extra,
            per_child_cents=child,
        )


DEFAULT_BUDGET_SCALE = BudgetScale()
_SCALE_KEYS = frozenset(DEFAULT_BUDGET_SCALE.to_dict())


def rights_status(start: date, end: date, suspended: bool, today: date) -> RightsStatus:
    """Where a household's rights stand on ``today``; ``start`` and ``end`` are both included.

    Dates come first: rights that are over are ``"expired"`` and rights not yet open are
    ``"upcoming"`` whether or not they are suspended; within the period a suspension decided
    by the team makes them ``"suspended"``.
    """
    if end < start:
        raise ValueError("La fin des droits ne peut pas précéder leur début.")
    if today > end:
        return "expired"
    if today < start:
        return "upcoming"
    return "suspended" if suspended else "active"


def reste_a_vivre_cents_per_day(
    income_cents_per_month: int,
    charges_cents_per_month: int,
    persons: int,
    days_in_month: int = 30,
) -> int:
    """The *reste à vivre* per person and per day, the usual yardstick of épiceries sociales:

        (ressources − charges) / nombre de personnes / 30 jours

    rounded to the cent as :mod:`cabas.rules.money` rounds (half away from zero). It is
    negative when the charges exceed the resources.
    """
    if persons < 1:
        raise ValueError("Le foyer compte au moins une personne.")
    if days_in_month < 1:
        raise ValueError("Le nombre de jours du mois doit être positif.")
    available = income_cents_per_month - charges_cents_per_month
    return round_cents(Fraction(available, persons * days_in_month))


MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def month_label(month: str) -> str:
    """A budget month ``"2026-11"`` as a sentence says it: ``"novembre 2026"`` (the text as
    it is when it is not such a month)."""
    year, _sep, number = month.partition("-")
    if year.isdigit() and number.isdigit() and 1 <= int(number) <= 12:
        return f"{MONTH_NAMES[int(number) - 1]} {year}"
    return month
