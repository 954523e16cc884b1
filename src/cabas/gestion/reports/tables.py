"""The one shape every report figure takes before it is shown or exported: a titled table of
typed columns. The HTML pages, CSV, XLSX and PDF all render the same :class:`Table`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.functional import Promise

from cabas.rules.money import format_euros

Kind = Literal["text", "int", "cents", "grams", "percent", "date"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: Kind = "text"

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "cents", "grams", "percent")


@dataclass
class Table:
    """``rows`` hold raw values: cents and grams as integers, percentages as floats (0–100)."""

    title: str | Promise
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    totals: list[Any] | None = None
    # Optional drill-down link per row (same length as rows), e.g. the ticket list filtered.
    links: list[str | None] | None = None
    note: str | Promise = ""

    def __post_init__(self) -> None:
        width = len(self.columns)
        for row in self.rows:
            if len(row) != width:
                raise ValueError(f"row of {len(row)} cells for {width} columns")

    @property
    def display_rows(self) -> list[tuple[list[tuple[str, bool]], str | None]]:
        """Per row: the cells as (French text, is a number), and the row's link."""
        links: Sequence[str | None] = self.links or [None] * len(self.rows)
        return [(self._cells(row), link) for row, link in zip(self.rows, links, strict=True)]

    @property
    def display_totals(self) -> list[tuple[str, bool]] | None:
        return None if self.totals is None else self._cells(self.totals)

    def _cells(self, row: Sequence[Any]) -> list[tuple[str, bool]]:
        return [
            (display(v, c.kind) if v != "" else "", c.numeric)
            for v, c in zip(row, self.columns, strict=True)
        ]

    def column(self, key: str) -> list[Any]:
        index = next(i for i, c in enumerate(self.columns) if c.key == key)
        return [row[index] for row in self.rows]


def format_grams(grams: int) -> str:
    kilos = grams / 1000
    text = f"{kilos:,.3f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0kg"


def format_int(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")


def format_percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


def display(value: Any, kind: Kind) -> str:
    """French display of one cell."""
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == "cents":
        return format_euros(int(value))
    if kind == "grams":
        return format_grams(int(value))
    if kind == "int":
        return format_int(int(value))
    if kind == "percent":
        return format_percent(float(value))
    if kind == "date":
        return f"{value:%d/%m/%Y}"
    return str(value)


def share(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` (None when the whole is zero)."""
    return None if not whole else 100.0 * part / whole
