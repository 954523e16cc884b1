"""The statistics builder: a definition (measure, up to two dimensions, period, filters,
chart), validated by pydantic, run by :mod:`cabas.gestion.reports.analytics`, drawn as SVG."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cabas.gestion.reports import analytics
from cabas.gestion.reports.charts import Series, render_chart
from cabas.gestion.reports.periods import MAX_DAYS, Period, month_period
from cabas.gestion.reports.tables import Table, display
from cabas.gestion.stores.models import Store

MeasureKey = Literal[
    "paid", "full", "savings", "quantity", "weight", "kg", "unweighed", "tickets", "households"
]
DimensionKey = Literal[
    "month",
    "week",
    "day",
    "rayon",
    "category",
    "product",
    "origin",
    "till",
    "cashier",
    "household_size",
    "commune",
]
PeriodKey = Literal[
    "this_month",
    "last_month",
    "last_3_months",
    "last_12_months",
    "this_year",
    "last_year",
    "custom",
]
MAX_SERIES = 8
MAX_ROWS = 500


def _default_dimensions() -> list[DimensionKey]:
    return ["month"]


class StatisticFilters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    category_ids: list[int] = Field(default_factory=list, max_length=50)
    origins: list[
        Literal[
            "purchase", "food_bank", "eu_aid", "programme", "supermarket", "collection", "donation"
        ]
    ] = Field(default_factory=list)
    customer: Literal["all", "beneficiaries", "others"] = "all"


class StatisticDefinition(BaseModel):
    """What a saved statistic stores. Relative periods (« le mois dernier ») stay relative."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: MeasureKey = "paid"
    dimensions: list[DimensionKey] = Field(default_factory=_default_dimensions, max_length=2)
    period: PeriodKey = "last_12_months"
    date_from: date | None = None
    date_to: date | None = None
    filters: StatisticFilters = Field(default_factory=StatisticFilters)
    chart: Literal["bar", "line"] = "bar"

    @field_validator("dimensions")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("Choisissez deux regroupements différents.")
        return value

    @model_validator(mode="after")
    def _custom_dates(self) -> StatisticDefinition:
        if self.period == "custom":
            if self.date_from is None or self.date_to is None:
                raise ValueError("Indiquez les dates de début et de fin.")
            if self.date_to < self.date_from:
                raise ValueError("La date de fin précède la date de début.")
            if (self.date_to - self.date_from).days >= MAX_DAYS:
                raise ValueError("Une période de plus de trois ans est trop longue.")
        return self

    def resolve_period(self, store: Store) -> Period:
        tz = store.timezone
        today = store.today()
        this_month = month_period(f"{today:%Y-%m}", tz)
        if self.period == "custom":
            assert self.date_from is not None and self.date_to is not None
            return Period(self.date_from, self.date_to, tz)
        if self.period == "this_month":
            return this_month
        if self.period == "last_month":
            previous = this_month.first - timedelta(days=1)
            return month_period(f"{previous:%Y-%m}", tz)
        if self.period in ("last_3_months", "last_12_months"):
            months = 3 if self.period == "last_3_months" else 12
            first = this_month.first
            for _step in range(months - 1):
                first = (first - timedelta(days=1)).replace(day=1)
            return Period(first, this_month.last, tz)
        if self.period == "this_year":
            return Period(date(today.year, 1, 1), date(today.year, 12, 31), tz)
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), tz)


def parse_definition(data: Any) -> StatisticDefinition:
    """Validate a stored or submitted definition; raises ValueError with a French message."""
    try:
        return StatisticDefinition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "")).removeprefix("Value error, ")
        raise ValueError(
            _("Définition de statistique invalide : %(msg)s") % {"msg": message}
        ) from None


@dataclass
class StatisticResult:
    definition: StatisticDefinition
    period: Period
    table: Table
    chart_svg: str
    truncated: bool


def run_statistic(
    store: Store, definition: StatisticDefinition, *, limit: int = MAX_ROWS
) -> StatisticResult:
    period = definition.resolve_period(store)
    f = definition.filters
    filters = analytics.Filters(
        category_ids=tuple(f.category_ids), origins=tuple(f.origins), customer=f.customer
    )
    dimensions = list(definition.dimensions)
    grouped = analytics.aggregate(
        store,
        period,
        dimensions=dimensions,
        measures=[definition.measure],
        filters=filters,
        limit=limit + 1,
    )
    truncated = len(grouped.rows) > limit
    grouped.rows = grouped.rows[:limit]
    measure = analytics.MEASURES[definition.measure]
    title = str(measure.label)
    if dimensions:
        title += (
            " "
            + _("par")
            + " "
            + " × ".join(str(analytics.DIMENSIONS[d].label).lower() for d in dimensions)
        )
    table = analytics.grouped_table(grouped, title=f"{title} — {period.label()}")
    return StatisticResult(
        definition=definition,
        period=period,
        table=table,
        chart_svg=_chart(definition, grouped, title),
        truncated=truncated,
    )


def _chart(definition: StatisticDefinition, grouped: analytics.Grouped, title: str) -> str:
    measure = analytics.MEASURES[definition.measure]
    kind = measure.kind
    scale = {"cents": 100, "grams": 1000}.get(kind, 1)

    def fmt(value: float) -> str:
        return display(round(value * scale), kind)

    dims = grouped.dimension_keys
    m = definition.measure
    if not dims:
        return render_chart(
            kind="bar",
            categories=[_("Total")],
            series=[Series(str(measure.label), [grouped.totals[m] / scale])],
            format_value=fmt,
            integer=kind == "int",
            title=title,
        )
    first = dims[0]
    categories: list[str] = []
    for row in grouped.rows:
        if row[first] not in categories:
            categories.append(row[first])
    if len(dims) == 1:
        values = [row[m] / scale for row in grouped.rows]
        return render_chart(
            kind=definition.chart,
            categories=categories,
            series=[Series(str(measure.label), values)],
            format_value=fmt,
            integer=kind == "int",
            title=title,
        )
    # Two dimensions: one series per value of the second, the largest first.
    second = dims[1]
    weight: dict[str, float] = {}
    cells: dict[tuple[str, str], float] = {}
    for row in grouped.rows:
        weight[row[second]] = weight.get(row[second], 0) + abs(row[m])
        cells[(row[first], row[second])] = row[m] / scale
    names = sorted(weight, key=lambda n: -weight[n])[:MAX_SERIES]
    series = [Series(n, [cells.get((c, n), 0.0) for c in categories]) for n in names]
    return render_chart(
        kind=definition.chart,
        categories=categories,
        series=series,
        format_value=fmt,
        integer=kind == "int",
        title=title,
    )
