"""What the apps above beneficiaries keep about a household, for its privacy duties.

The access-request export must hold everything the shop keeps about a household, and the
anonymisation must leave its name nowhere; some of it lives in apps that sit above
beneficiaries (sales: tickets, anomalies) and that beneficiaries must not import. Each of them
registers a :class:`HouseholdPart` when it loads (its ``AppConfig.ready``); the export and the
anonymisation go through the registered parts.

Also here, for the same reason: the rules apps above set on renewals of rights (admissions:
the waiting period), and the sources of the aid programme codes the shop knows
(purchasing: its programme donors), for the ceilings of the tariff settings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from cabas.gestion.beneficiaries.models import Household
    from cabas.gestion.stores.models import Store


@dataclass(frozen=True)
class DocumentSection:
    """A part of the « Vos données » PDF a household can read: a French title, column
    headings and rows of text already shown as people read them (euros, dd/mm/yyyy)."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    empty: str = "Aucune donnée."


@dataclass(frozen=True)
class HouseholdPart:
    """What one app keeps about a household.

    ``export`` gives the keys it adds to the access-request export (JSON values: see
    :func:`plain`); ``document``, the same for the household to read, as sections of the
    « Vos données » PDF; ``erase``, if any, removes the household's ``names`` from what the
    app keeps, inside the anonymisation's transaction."""

    name: str
    export: Callable[[Household], dict[str, Any]]
    document: Callable[[Household], Sequence[DocumentSection]]
    erase: Callable[[Household, Sequence[str]], None] | None = None


_PARTS: dict[str, HouseholdPart] = {}
_RENEWAL_CHECKS: dict[str, Callable[[Household, date], None]] = {}
_PROGRAMME_SOURCES: dict[str, Callable[[Store], set[str]]] = {}


def household_part_register(part: HouseholdPart) -> None:
    """Register (or replace, by its name) an app's part of a household."""
    _PARTS[part.name] = part


def household_parts() -> tuple[HouseholdPart, ...]:
    """The registered parts, in the order they were registered."""
    return tuple(_PARTS.values())


def renewal_check_register(name: str, check: Callable[[Household, date], None]) -> None:
    """Register (or replace, by its name) a rule on renewals: ``check(household, start)``
    raises a ValidationError (French) when rights may not be renewed from ``start``
    (admissions: the renewals in a row and the waiting period the shop sets)."""
    _RENEWAL_CHECKS[name] = check


def renewal_checks() -> tuple[Callable[[Household, date], None], ...]:
    return tuple(_RENEWAL_CHECKS.values())


def programme_source_register(name: str, codes: Callable[[Store], set[str]]) -> None:
    """Register (or replace, by its name) a source of the shop's aid programme codes."""
    _PROGRAMME_SOURCES[name] = codes


def programme_sources() -> tuple[Callable[[Store], set[str]], ...]:
    return tuple(_PROGRAMME_SOURCES.values())


def plain(value: Any) -> Any:
    """A value of the export as JSON holds it (dates and times in ISO 8601, UUIDs as text)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


EMPTY = "—"


def shown(value: Any, zone: Any = None) -> str:
    """A value of the « Vos données » PDF as a person reads it: dates dd/mm/yyyy, times in the
    shop's ``zone`` dd/mm/yyyy hh:mm, nothing as « — »."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, datetime):
        local = value.astimezone(zone) if zone is not None else value
        return f"{local:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, bool):
        return "oui" if value else "non"
    return str(value)


def shown_euros(cents: int | None) -> str:
    """Cents as euros (« 12,50 € »), in the PDF's standard fonts (no narrow space)."""
    from cabas.rules.money import format_euros

    return EMPTY if cents is None else format_euros(cents).replace("\u202f", " ")
