"""The sales figures: one aggregation engine over ticket lines, used by the sales table, the
activity report and the statistics builder. Every figure is computed by the database
(``values().annotate()``); Python only formats the rows it gets back.

Conventions
-----------
- A ticket counts in the period of its ``created_at`` (the moment of sale at the till), in
  the shop's time zone; a refund counts when it was made, with negative amounts, so figures
  are net of refunds.
- *Amount paid* is the lines' totals; *full-price value* is the same lines at the full price;
  *savings* (what the households were spared) is the difference.
- *Tickets* (visits) and *households* count sale tickets only (a refund is not a visit);
  households are counted once over the whole period, however many visits they made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabas.gestion.catalog.models import Category, Origin, Product, Unit
from cabas.gestion.core.forms import check_date_bounds
from cabas.gestion.core.routers import reporting_database
from cabas.gestion.reports.periods import Period
from cabas.gestion.reports.tables import Column, Kind, Table
from cabas.gestion.stores.models import Membership, Store


def sales_available() -> bool:
    """The sales app (tickets sent by the tills) is installed with its ticket models."""
    try:
        apps.get_model("sales", "TicketLine")
    except LookupError:
        return False
    return True


def ticket_model() -> Any:
    return apps.get_model("sales", "Ticket")


def line_model() -> Any:
    return apps.get_model("sales", "TicketLine")


def payment_model() -> Any:
    return apps.get_model("sales", "TicketPayment")


# --- Measures -------------------------------------------------------------------------------

SALE = Q(refund_of__isnull=True)
"""Sale tickets only (a refund is not a visit): the same test on a ticket and on a line, which
carries a copy of its ticket's ``refund_of``."""


@dataclass(frozen=True)
class Measure:
    key: str
    label: str | Promise
    kind: Kind
    # Built per query: an aggregate over TicketLine (on_lines) or Ticket.
    aggregate: Callable[[bool], Any]
    additive: bool = True
    short: str | Promise = ""  # the column header of the sales table
    line_only: bool = False  # a quantity: only lines have it


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in [
        Measure(
            "paid",
            gettext_lazy("Montant payé"),
            "cents",
            lambda on_lines: Coalesce(Sum("total_cents"), 0),
            short=gettext_lazy("Payé"),
        ),
        Measure(
            "full",
            gettext_lazy("Valeur au prix plein"),
            "cents",
            lambda on_lines: Coalesce(Sum("full_price_cents"), 0),
            short=gettext_lazy("Prix plein"),
        ),
        Measure(
            "savings",
            gettext_lazy("Économies des foyers"),
            "cents",
            lambda on_lines: Coalesce(Sum(F("full_price_cents") - F("total_cents")), 0),
            short=gettext_lazy("Économies"),
        ),
        Measure(
            "quantity",
            gettext_lazy("Quantité (pièces)"),
            "int",
            lambda on_lines: Coalesce(Sum("quantity", filter=~Q(unit=Unit.KG)), 0),
            line_only=True,
            short=gettext_lazy("Pièces"),
        ),
        Measure(
            "weight",
            gettext_lazy("Quantité (vrac)"),
            "grams",
            lambda on_lines: Coalesce(Sum("quantity", filter=Q(unit=Unit.KG)), 0),
            line_only=True,
            short=gettext_lazy("Vrac"),
        ),
        Measure(
            "kg",
            gettext_lazy("Poids distribué (kg)"),
            "grams",
            lambda on_lines: Coalesce(Sum("grams"), 0),
            line_only=True,
            short=gettext_lazy("Poids"),
        ),
        Measure(
            "unweighed",
            gettext_lazy("Pièces sans poids connu"),
            "int",
            lambda on_lines: Coalesce(Sum("quantity", filter=Q(grams__isnull=True)), 0),
            line_only=True,
            short=gettext_lazy("Sans poids"),
        ),
        Measure(
            "tickets",
            gettext_lazy("Tickets (passages)"),
            "int",
            lambda on_lines: Count(
                "ticket_id" if on_lines else "id", distinct=on_lines, filter=SALE
            ),
            additive=False,
            short=gettext_lazy("Tickets"),
        ),
        Measure(
            "households",
            gettext_lazy("Foyers (sans doublon)"),
            "int",
            lambda on_lines: Count("household_id", distinct=True, filter=SALE),
            additive=False,
            short=gettext_lazy("Foyers"),
        ),
    ]
}
BUILDER_MEASURES = [
    "paid",
    "full",
    "savings",
    "quantity",
    "weight",
    "kg",
    "unweighed",
    "tickets",
    "households",
]
TABLE_MEASURES = ["quantity", "weight", "paid", "full", "savings", "tickets", "households"]


# --- Dimensions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str | Promise
    # The grouping key, and (optionally) a label grouped with it: expressions valid on Ticket
    # and on TicketLine alike (a line carries copies of its ticket's time, till, cashier and
    # household), product attributes on TicketLine only.
    key_expr: Callable[[Period], Expression | F | str]
    # The names of the keys found, read after the aggregation (a few hundred rows by primary
    # key) rather than joined to every line and grouped by.
    labels: Callable[[Store, list[Any]], dict[Any, str]] | None = None
    # Turns (key, label) from the database into the text shown.
    show: Callable[[Any, Any], str] = lambda key, label: str(label if label is not None else key)
    temporal: bool = False
    # Needs the lines (a product's attribute); else a ticket attribute, computed on tickets.
    line_only: bool = False


def _show_month(key: Any, _label: Any) -> str:
    return f"{key:%m/%Y}" if key else "—"


def _show_week(key: Any, _label: Any) -> str:
    return _("sem. du %(day)s") % {"day": f"{key:%d/%m/%Y}"} if key else "—"


def _show_day(key: Any, _label: Any) -> str:
    return f"{key:%d/%m/%Y}" if key else "—"


def _show_origin(key: Any, _label: Any) -> str:
    return str(dict(Origin.choices).get(key, key)) if key else _("Hors catalogue")


def _or(default: str | Promise) -> Callable[[Any, Any], str]:
    def show(key: Any, label: Any) -> str:
        if key is None:
            return str(default)
        return str(label if label not in (None, "") else key)

    return show


def _show_size(key: Any, _label: Any) -> str:
    if key is None:
        return _("Sans carte")
    return _("%(n)s personne(s)") % {"n": key}


def _show_composition(key: Any, _label: Any) -> str:
    if key is None:
        return _("Sans carte")
    adults, children = divmod(int(key), 100)
    return _("%(a)s adulte(s), %(c)s enfant(s)") % {"a": adults, "c": children}


def _show_customer(key: Any, _label: Any) -> str:
    return _("Foyers bénéficiaires") if key else _("Clients sans carte")


def _local_day(value: Any) -> Any:
    # The truncated *wall-clock* time of the shop, carried as a UTC datetime: its date is the
    # shop's date.
    return value.date() if isinstance(value, datetime) else value


def offset_segments(period: Period) -> list[tuple[datetime, timedelta]]:
    """The shop's UTC offsets over the period: ``[(from_instant, offset), …]`` in order, the
    first from the period's start. Found day by day, each change pinned down to the second."""
    zone = period.zone

    def offset_at(instant: datetime) -> timedelta:
        return instant.astimezone(zone).utcoffset() or timedelta(0)

    segments = [(period.start, offset_at(period.start))]
    day = period.start
    while day < period.end:
        following = min(day + timedelta(days=1), period.end)
        if offset_at(following) != offset_at(day):
            low, high = day, following  # offset(low) is the old one, offset(high) the new one
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset_at(middle) == offset_at(low):
                    low = middle
                else:
                    high = middle
            segments.append((high.replace(microsecond=0), offset_at(high)))
        day = following
    return segments


def local_time(field: str, period: Period) -> Expression:
    """``field`` (an instant) as the shop's wall-clock time, computed by the database with a
    piecewise-constant offset: portable to every database, with no time-zone table needed
    (MariaDB's CONVERT_TZ answers NULL without one)."""
    segments = offset_segments(period)
    if len(segments) == 1:
        shift: Any = Value(segments[0][1], output_field=DurationField())
    else:
        whens = [
            When(**{f"{field}__lt": segments[i + 1][0]}, then=Value(offset))
            for i, (_start, offset) in enumerate(segments[:-1])
        ]
        shift = Case(*whens, default=Value(segments[-1][1]), output_field=DurationField())
    return ExpressionWrapper(F(field) + shift, output_field=DateTimeField())


def _names(model: Any, store: Store, keys: list[Any], field: str) -> dict[Any, str]:
    found = [k for k in keys if k is not None]
    if not found:
        return {}
    rows = model.objects.using(reporting_database()).filter(store=store, pk__in=found)
    return dict(rows.values_list("pk", field))


DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in [
        Dimension(
            "month",
            gettext_lazy("Mois"),
            lambda period: TruncMonth(local_time("created_at", period), tzinfo=UTC),
            show=_show_month,
            temporal=True,
        ),
        Dimension(
            "week",
            gettext_lazy("Semaine"),
            lambda period: TruncWeek(local_time("created_at", period), tzinfo=UTC),
            show=_show_week,
            temporal=True,
        ),
        Dimension(
            "day",
            gettext_lazy("Jour"),
            lambda period: TruncDay(local_time("created_at", period), tzinfo=UTC),
            show=_show_day,
            temporal=True,
        ),
        Dimension(
            "rayon",
            gettext_lazy("Rayon"),
            lambda period: Coalesce("product__category__parent_id", "product__category_id"),
            lambda store, keys: _names(Category, store, keys, "name"),
            show=_or(gettext_lazy("Hors catalogue")),
            line_only=True,
        ),
        Dimension(
            "category",
            gettext_lazy("Sous-rayon"),
            lambda period: F("product__category_id"),
            lambda store, keys: _names(Category, store, keys, "name"),
            show=_or(gettext_lazy("Hors catalogue")),
            line_only=True,
        ),
        Dimension(
            "product",
            gettext_lazy("Produit"),
            lambda period: F("product_id"),
            lambda store, keys: _names(Product, store, keys, "name"),
            show=_or(gettext_lazy("Hors catalogue")),
            line_only=True,
        ),
        Dimension(
            "origin",
            gettext_lazy("Provenance"),
            lambda period: F("product__origin"),
            show=_show_origin,
            line_only=True,
        ),
        Dimension(
            "programme",
            gettext_lazy("Programme"),
            lambda period: F("product__programme"),
            show=lambda key, label: key or _("Aucun"),
            line_only=True,
        ),
        Dimension(
            "till",
            gettext_lazy("Caisse"),
            lambda period: F("device_id"),
            lambda store, keys: _names(apps.get_model("pos", "Device"), store, keys, "name"),
            show=_or("—"),
        ),
        Dimension(
            "cashier",
            gettext_lazy("Hôte de caisse"),
            lambda period: F("cashier_id"),
            lambda store, keys: _names(Membership, store, keys, "user__username"),
            show=_or(gettext_lazy("Inconnu")),
        ),
        Dimension(
            "household_size",
            gettext_lazy("Taille du foyer"),
            lambda period: F("household__adults") + F("household__children"),
            show=_show_size,
        ),
        Dimension(
            "composition",
            gettext_lazy("Composition du foyer"),
            lambda period: F("household__adults") * Value(100) + F("household__children"),
            show=_show_composition,
        ),
        Dimension(
            "commune",
            gettext_lazy("Commune"),
            lambda period: F("household__commune"),
            show=lambda key, label: (
                key or (_("Sans carte") if key is None else _("Non renseignée"))
            ),
        ),
        Dimension(
            "customer",
            gettext_lazy("Client"),
            lambda period: Case(
                When(household__isnull=False, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            show=_show_customer,
        ),
    ]
}
BUILDER_DIMENSIONS = [
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
TABLE_DIMENSIONS = [
    "day",
    "month",
    "till",
    "cashier",
    "rayon",
    "category",
    "product",
    "household_size",
    "composition",
    "origin",
]


# --- Filters and queries --------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    category_ids: tuple[int, ...] = ()  # a rayon includes its sous-rayons
    origins: tuple[str, ...] = ()
    device_ids: tuple[str, ...] = ()
    cashier_ids: tuple[int, ...] = ()
    customer: str = "all"  # "all", "beneficiaries", "others"


def lines(store: Store, period: Period, filters: Filters | None = None) -> QuerySet[Any]:
    """The ticket lines of the shop sold in the period, filtered, on the reporting database:
    one range of the lines' (store, created_at) index, with no join to the tickets (a line
    carries copies of its ticket's time, till, cashier, household and refund)."""
    qs = (
        line_model()
        .objects.using(reporting_database())
        .filter(store=store, created_at__gte=period.start, created_at__lt=period.end)
    )
    f = filters or Filters()
    if f.category_ids:
        qs = qs.filter(
            Q(product__category_id__in=f.category_ids)
            | Q(product__category__parent_id__in=f.category_ids)
        )
    if f.origins:
        qs = qs.filter(product__origin__in=f.origins)
    return _ticket_filters(qs, f)


def _ticket_filters(qs: QuerySet[Any], f: Filters) -> QuerySet[Any]:
    """The filters on ticket attributes (the same fields on a ticket and on its lines)."""
    if f.device_ids:
        qs = qs.filter(device_id__in=f.device_ids)
    if f.cashier_ids:
        qs = qs.filter(cashier_id__in=f.cashier_ids)
    if f.customer == "beneficiaries":
        qs = qs.filter(household__isnull=False)
    elif f.customer == "others":
        qs = qs.filter(household__isnull=True)
    return qs


def tickets(store: Store, period: Period, filters: Filters | None = None) -> QuerySet[Any]:
    """The shop's tickets of the period, filtered (ticket attributes only): figures that need
    no product are computed here, on a quarter of the rows of the lines and without a join."""
    qs = (
        ticket_model()
        .objects.using(reporting_database())
        .filter(store=store, created_at__gte=period.start, created_at__lt=period.end)
    )
    f = filters or Filters()
    if f.category_ids or f.origins:
        raise ValueError("product filters need the lines")
    return _ticket_filters(qs, f)


@dataclass
class Grouped:
    """Rows of (dimension texts…, measure values…) with the raw keys kept for drill-down."""

    dimension_keys: list[str]
    measure_keys: list[str]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]


def aggregate(
    store: Store,
    period: Period,
    *,
    dimensions: Sequence[str],
    measures: Sequence[str],
    filters: Filters | None = None,
    limit: int = 2000,
    order_by_measure: bool = True,
) -> Grouped:
    """Group the period's sales by ``dimensions`` and compute ``measures``: one query for the
    groups and, when a measure does not add up (distinct counts) or the rows were cut, one for
    the true totals. Figures that need no product are computed on the tickets (their totals
    are the sums of their lines), the others on the lines."""
    f = filters or Filters()
    on_lines = (
        any(DIMENSIONS[d].line_only for d in dimensions)
        or any(MEASURES[m].line_only for m in measures)
        or bool(f.category_ids or f.origins)
    )
    base = lines(store, period, f) if on_lines else tickets(store, period, f)
    annotations = {f"m_{m}": MEASURES[m].aggregate(on_lines) for m in measures}
    if not dimensions:
        # One group, the whole period: its figures are the totals.
        total = base.aggregate(**annotations)
        values = {m: total[f"m_{m}"] for m in measures}
        return Grouped([], list(measures), [dict(values)], values)
    group: dict[str, Any] = {}
    for key in dimensions:
        dim = DIMENSIONS[key]
        group[f"k_{key}"] = dim.key_expr(period)
    qs = base.values(**group).annotate(**annotations)
    temporal = [k for k in dimensions if DIMENSIONS[k].temporal]
    if temporal or not order_by_measure:
        ordering = [f"k_{k}" for k in dimensions]
    else:
        ordering = [f"-m_{measures[0]}", *(f"k_{k}" for k in dimensions)]
    fetched_rows = list(qs.order_by(*ordering)[:limit])
    names: dict[str, dict[Any, str]] = {}
    for key in dimensions:
        labels = DIMENSIONS[key].labels
        if labels is not None:
            names[key] = labels(store, list({raw[f"k_{key}"] for raw in fetched_rows}))
    rows = []
    for raw in fetched_rows:
        row: dict[str, Any] = {}
        for key in dimensions:
            dim = DIMENSIONS[key]
            value = raw[f"k_{key}"]
            if dim.temporal:
                value = _local_day(value)
            row[f"k_{key}"] = value
            row[key] = dim.show(value, names.get(key, {}).get(value))
        for m in measures:
            row[m] = raw[f"m_{m}"]
        rows.append(row)
    fetched = len(rows)
    if fetched < limit and all(MEASURES[m].additive for m in measures):
        totals = {f"m_{m}": sum(row[m] for row in rows) for m in measures}
    else:
        totals = _totals(store, period, f, measures, on_lines)
    return Grouped(
        dimension_keys=list(dimensions),
        measure_keys=list(measures),
        rows=rows,
        totals={m: totals[f"m_{m}"] for m in measures},
    )


def _totals(
    store: Store, period: Period, f: Filters, measures: Sequence[str], on_lines: bool
) -> dict[str, Any]:
    """The true totals of the period (a distinct count does not add up over the groups). Without
    a product filter, tickets and households are counted on the tickets (every ticket has at
    least one line, with the ticket's time and attributes): a quarter of the rows, no DISTINCT
    over the lines."""
    product_filter = bool(f.category_ids or f.origins)
    by_ticket = [
        m for m in measures if on_lines and not product_filter and not MEASURES[m].additive
    ]
    on_base = [m for m in measures if m not in by_ticket]
    totals: dict[str, Any] = {}
    if by_ticket:
        totals.update(
            tickets(store, period, f).aggregate(
                **{f"m_{m}": MEASURES[m].aggregate(False) for m in by_ticket}
            )
        )
    if on_base:
        base = lines(store, period, f) if on_lines else tickets(store, period, f)
        totals.update(
            base.aggregate(**{f"m_{m}": MEASURES[m].aggregate(on_lines) for m in on_base})
        )
    return totals


def grouped_table(
    grouped: Grouped,
    *,
    title: str,
    links: Callable[[dict[str, Any]], str | None] | None = None,
    short: bool = False,
) -> Table:
    columns = [Column(k, DIMENSIONS[k].label) for k in grouped.dimension_keys]
    columns += [
        Column(m, (MEASURES[m].short if short else "") or MEASURES[m].label, MEASURES[m].kind)
        for m in grouped.measure_keys
    ]
    rows = [
        [row[k] for k in grouped.dimension_keys] + [row[m] for m in grouped.measure_keys]
        for row in grouped.rows
    ]
    totals = [_("Total")] + [""] * (len(grouped.dimension_keys) - 1)
    totals += [grouped.totals[m] for m in grouped.measure_keys]
    return Table(
        title=title,
        columns=columns,
        rows=rows,
        totals=totals,
        links=[links(row) for row in grouped.rows] if links else None,
    )


def payments_by_method(store: Store, period: Period) -> Table:
    """Amounts received by payment method (refunds, negative, included)."""
    method_field = payment_model()._meta.get_field("method")
    labels = dict(getattr(method_field, "choices", None) or [])
    rows_qs = (
        payment_model()
        .objects.using(reporting_database())
        .filter(
            store=store,
            ticket__created_at__gte=period.start,
            ticket__created_at__lt=period.end,
        )
        .values("method")
        .annotate(
            amount=Coalesce(Sum("amount_cents"), 0), tickets=Count("ticket_id", distinct=True)
        )
        .order_by("-amount", "method")
    )
    rows = [[str(labels.get(r["method"], r["method"])), r["tickets"], r["amount"]] for r in rows_qs]
    return Table(
        title=_("Encaissements par moyen de paiement"),
        columns=[
            Column("method", gettext_lazy("Moyen de paiement")),
            Column("tickets", gettext_lazy("Tickets"), "int"),
            Column("amount", gettext_lazy("Montant"), "cents"),
        ],
        rows=rows,
        totals=[_("Total"), sum(r[1] for r in rows), sum(r[2] for r in rows)],
        note=_("Un ticket payé de deux façons compte dans chaque ligne."),
    )


# --- Drill-down: the tickets behind a row ---------------------------------------------------


def drill_bounds(dimension: str, value: str, period: Period) -> tuple[datetime, datetime] | None:
    """For a time dimension, the instants of the row's day/week/month (within the period)."""
    day = check_date_bounds(date.fromisoformat(value))  # ValidationError past 2000–2100
    zone = period.zone
    if dimension == "day":
        first, after = day, day + timedelta(days=1)
    elif dimension == "week":
        first, after = day, day + timedelta(days=7)
    elif dimension == "month":
        first = day.replace(day=1)
        after = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    else:
        return None
    start = max(datetime.combine(first, datetime.min.time(), tzinfo=zone), period.start)
    end = min(datetime.combine(after, datetime.min.time(), tzinfo=zone), period.end)
    return start, end


def drill_tickets(
    store: Store,
    period: Period,
    *,
    dimension: str,
    value: str,
    filters: Filters | None = None,
) -> QuerySet[Any]:
    """The tickets that make up one row of a grouped table (newest first)."""
    if dimension not in DIMENSIONS:
        raise ValueError(_("Regroupement inconnu."))
    qs = lines(store, period, filters)
    bounds = drill_bounds(dimension, value, period) if DIMENSIONS[dimension].temporal else None
    if bounds is not None:
        qs = qs.filter(created_at__gte=bounds[0], created_at__lt=bounds[1])
    else:
        expression = DIMENSIONS[dimension].key_expr(period)
        qs = qs.annotate(drill_key=expression)
        qs = qs.filter(drill_key__isnull=True) if value == "" else qs.filter(drill_key=value)
    ticket_ids = qs.values("ticket_id")
    tickets: QuerySet[Any] = (
        ticket_model()
        .objects.using(reporting_database())
        .filter(store=store, pk__in=ticket_ids)
        .select_related("household", "device", "cashier__user")
        .order_by("-created_at", "-pk")
    )
    return tickets


def drill_value(row: dict[str, Any], dimension: str) -> str:
    key = row[f"k_{dimension}"]
    if key is None:
        return ""
    if isinstance(key, date):
        return key.isoformat()
    return str(key)


def category_names(store: Store) -> dict[int, str]:
    return dict(Category.objects.filter(store=store).values_list("id", "name"))
