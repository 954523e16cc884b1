"""The stock state, read from the ledger and aggregated by the database.

The state at a date is the sum of the movements that occurred up to the end of that day (the
shop's time zone), so any past date can be asked for. Values use the products' *current*
purchase cost and full price (the catalogue keeps no price history). Weighed products count
in grams and are priced per kilo: a value is computed in thousandths of a cent
(``quantity × price × (1 or 1000)``) by the database, then rounded to the cent once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabas.gestion.catalog.models import Origin, Product, Unit
from cabas.gestion.core.routers import reporting_database
from cabas.gestion.reports.periods import Period
from cabas.gestion.reports.tables import Column, Table
from cabas.gestion.stock.models import LossCause, Lot, MovementKind, StockMovement
from cabas.gestion.stores.models import Store

MILLI = 1000


def end_of_day(day: date, tz: str) -> datetime:
    """The instant after ``day`` in the shop's time zone (excluded bound)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz))


def _milli_value(quantity: str, price: str, unit: str) -> ExpressionWrapper[Any]:
    """``quantity × price`` in thousandths of a cent: weighed products are in grams priced
    per kilo (× 1), pieces are priced per piece (× 1000)."""
    scale = Case(
        When(**{unit: Unit.KG}, then=Value(1)),
        default=Value(MILLI),
        output_field=BigIntegerField(),
    )
    # The price is cast to a signed integer: MySQL computes UNSIGNED × signed as UNSIGNED and
    # fails on a negative quantity.
    signed_price = Cast(price, output_field=BigIntegerField())
    return ExpressionWrapper(F(quantity) * signed_price * scale, output_field=BigIntegerField())


def _cents(milli: int | None) -> int:
    if not milli:
        return 0
    # Half away from zero, as cabas.rules.money rounds.
    sign = -1 if milli < 0 else 1
    return sign * ((abs(milli) + MILLI // 2) // MILLI)


def _movement_sums(prefix: str = "") -> dict[str, Any]:
    q = f"{prefix}quantity"
    product = f"{prefix}product__" if prefix else "product__"
    is_kg = Q(**{f"{product}unit": Unit.KG})
    return {
        "pieces": Coalesce(Sum(q, filter=~is_kg), 0),
        "grams": Coalesce(Sum(q, filter=is_kg), 0),
        "cost_milli": Coalesce(Sum(_milli_value(q, f"{product}cost_cents", f"{product}unit")), 0),
        "full_milli": Coalesce(Sum(_milli_value(q, f"{product}price_cents", f"{product}unit")), 0),
    }


def ledger_until(store: Store, day: date) -> QuerySet[StockMovement]:
    """The movements of the shop up to the end of ``day`` (its time zone), on the report DB."""
    return StockMovement.objects.using(reporting_database()).filter(
        store=store, occurred_at__lt=end_of_day(day, store.timezone)
    )


ORIGIN_LABELS = dict(Origin.choices)


@dataclass(frozen=True)
class StockState:
    day: date
    by_category: Table
    by_origin: Table


def stock_state(store: Store, day: date) -> StockState:
    """Quantities and values at the end of ``day``, by rayon and by origin."""
    movements = ledger_until(store, day)
    columns = [
        Column("pieces", gettext_lazy("Pièces"), "int"),
        Column("grams", gettext_lazy("Vrac"), "grams"),
        Column("cost", gettext_lazy("Valeur au coût d'achat"), "cents"),
        Column("full", gettext_lazy("Valeur au prix plein"), "cents"),
    ]
    category_rows = (
        movements.values(
            "product__category_id",
            "product__category__name",
            "product__category__parent__name",
        )
        .annotate(**_movement_sums())
        .order_by("product__category__parent__name", "product__category__name")
    )
    rows = []
    for r in category_rows:
        parent = r["product__category__parent__name"]
        name = r["product__category__name"]
        rows.append(
            [
                f"{parent} › {name}" if parent else name,
                r["pieces"],
                r["grams"],
                _cents(r["cost_milli"]),
                _cents(r["full_milli"]),
            ]
        )
    by_category = Table(
        title=_("Stock par rayon"),
        columns=[Column("category", gettext_lazy("Rayon")), *columns],
        rows=rows,
        totals=_totals(_("Total"), rows),
    )
    origin_rows = (
        movements.values("product__origin", "product__programme")
        .annotate(**_movement_sums())
        .order_by("product__origin", "product__programme")
    )
    rows = []
    for r in origin_rows:
        label = str(ORIGIN_LABELS.get(r["product__origin"], r["product__origin"]))
        if r["product__programme"]:
            label = f"{label} ({r['product__programme']})"
        rows.append(
            [
                label,
                r["pieces"],
                r["grams"],
                _cents(r["cost_milli"]),
                _cents(r["full_milli"]),
            ]
        )
    by_origin = Table(
        title=_("Stock par provenance"),
        columns=[Column("origin", gettext_lazy("Provenance")), *columns],
        rows=rows,
        totals=_totals(_("Total"), rows),
    )
    return StockState(day=day, by_category=by_category, by_origin=by_origin)


def _totals(label: str, rows: list[list[object]]) -> list[object]:
    if not rows:
        return [label, 0, 0, 0, 0]
    return [label, *(sum(int(r[i]) for r in rows) for i in range(1, len(rows[0])))]  # type: ignore[call-overload]


def product_levels_at(store: Store, day: date) -> dict[int, int]:
    """Each product's stock at the end of ``day`` (pieces or grams), from the ledger."""
    rows = ledger_until(store, day).values("product_id").annotate(level=Sum("quantity"))
    return {r["product_id"]: r["level"] for r in rows.order_by()}


def slow_movers(store: Store, day: date, *, idle_days: int = 60, limit: int = 50) -> Table:
    """Products still in stock at the end of ``day`` that sold nothing in the ``idle_days``
    before it, the most valuable first."""
    end = end_of_day(day, store.timezone)
    since = end - timedelta(days=idle_days)
    until_day = Q(stock_movements__occurred_at__lt=end)
    products = (
        Product.objects.using(reporting_database())
        .filter(store=store)
        .annotate(
            level=Coalesce(Sum("stock_movements__quantity", filter=until_day), 0),
            last_sale=Max(
                "stock_movements__occurred_at",
                filter=until_day & Q(stock_movements__kind=MovementKind.SALE),
            ),
            value_milli=Coalesce(
                Sum(
                    _milli_value("stock_movements__quantity", "cost_cents", "unit"),
                    filter=until_day,
                ),
                0,
            ),
        )
        .filter(level__gt=0)
        .filter(Q(last_sale__isnull=True) | Q(last_sale__lt=since))
        .order_by("-value_milli", "name")
        .values("id", "name", "unit", "category__name", "level", "last_sale", "value_milli")[:limit]
    )
    zone = ZoneInfo(store.timezone)
    rows = [
        [
            p["name"],
            p["category__name"],
            p["level"] if p["unit"] == Unit.PIECE else None,
            p["level"] if p["unit"] == Unit.KG else None,
            p["last_sale"].astimezone(zone).date() if p["last_sale"] else None,
            _cents(p["value_milli"]),
        ]
        for p in products
    ]
    return Table(
        title=_("Produits qui ne se vendent pas (aucune vente depuis %(days)s jours)")
        % {"days": idle_days},
        columns=[
            Column("product", gettext_lazy("Produit")),
            Column("category", gettext_lazy("Rayon")),
            Column("pieces", gettext_lazy("Pièces"), "int"),
            Column("grams", gettext_lazy("Vrac"), "grams"),
            Column("last_sale", gettext_lazy("Dernière vente"), "date"),
            Column("cost", gettext_lazy("Valeur au coût d'achat"), "cents"),
        ],
        rows=rows,
    )


def lots_near_dlc(store: Store, today: date, *, within_days: int = 7, limit: int = 100) -> Table:
    """Lots with units left whose DLC is past or within ``within_days`` (today's remaining
    quantities: a lot's level is only kept for the present)."""
    lots = (
        Lot.objects.using(reporting_database())
        .filter(store=store, quantity__gt=0, dlc__isnull=False)
        .filter(dlc__lte=today + timedelta(days=within_days))
        .order_by("dlc", "product__name", "id")
        .values("id", "dlc", "quantity", "product__name", "product__unit", "product__price_cents")[
            :limit
        ]
    )
    rows = []
    for lot in lots:
        kg = lot["product__unit"] == Unit.KG
        rows.append(
            [
                lot["product__name"],
                lot["dlc"],
                (lot["dlc"] - today).days if lot["dlc"] else None,
                None if kg else lot["quantity"],
                lot["quantity"] if kg else None,
                _cents(lot["quantity"] * lot["product__price_cents"] * (1 if kg else MILLI)),
            ]
        )
    return Table(
        title=_("Lots proches de leur DLC (%(days)s jours) ou dépassés") % {"days": within_days},
        columns=[
            Column("product", gettext_lazy("Produit")),
            Column("dlc", gettext_lazy("DLC"), "date"),
            Column("days_left", gettext_lazy("Jours restants"), "int"),
            Column("pieces", gettext_lazy("Pièces"), "int"),
            Column("grams", gettext_lazy("Vrac"), "grams"),
            Column("full", gettext_lazy("Valeur au prix plein"), "cents"),
        ],
        rows=rows,
    )


EXPIRY_CAUSE = "expiry"
RECALL_CAUSE = "recall"


def _cause_expression() -> Case:
    """The cause of a loss movement, from the label the loss form wrote in its reason."""
    whens = [
        When(kind=MovementKind.EXPIRY, then=Value(EXPIRY_CAUSE)),
        When(kind=MovementKind.RECALL, then=Value(RECALL_CAUSE)),
    ]
    whens += [
        When(kind=MovementKind.LOSS, reason__startswith=str(cause.label), then=Value(cause.value))
        for cause in LossCause
    ]
    return Case(*whens, default=Value(LossCause.OTHER.value), output_field=CharField())


def cause_labels() -> dict[str, str]:
    """The French name of each cause :func:`_cause_expression` gives."""
    labels = {c.value: str(c.label) for c in LossCause}
    labels[EXPIRY_CAUSE] = _("Date dépassée (destruction)")
    labels[RECALL_CAUSE] = _("Rappel de produit (retrait)")
    return labels


def losses_by_cause(store: Store, period: Period) -> Table:
    """Losses, expiry disposals and recalled goods taken out in the period, by cause, with
    their value at cost."""
    rows_qs = (
        StockMovement.objects.using(reporting_database())
        .filter(
            store=store,
            kind__in=[MovementKind.LOSS, MovementKind.EXPIRY, MovementKind.RECALL],
            occurred_at__gte=period.start,
            occurred_at__lt=period.end,
        )
        .annotate(cause=_cause_expression())
        .values("cause")
        .annotate(movements=Count("id"), **_movement_sums())
        .order_by("cause")
    )
    labels = cause_labels()
    rows = [
        [
            labels.get(r["cause"], r["cause"]),
            r["movements"],
            -r["pieces"],
            -r["grams"],
            -_cents(r["cost_milli"]),
            -_cents(r["full_milli"]),
        ]
        for r in rows_qs
    ]
    return Table(
        title=_("Pertes par cause"),
        columns=[
            Column("cause", gettext_lazy("Cause")),
            Column("movements", gettext_lazy("Mouvements"), "int"),
            Column("pieces", gettext_lazy("Pièces"), "int"),
            Column("grams", gettext_lazy("Vrac"), "grams"),
            Column("cost", gettext_lazy("Valeur au coût d'achat"), "cents"),
            Column("full", gettext_lazy("Valeur au prix plein"), "cents"),
        ],
        rows=rows,
        totals=_totals(_("Total"), rows) if rows else None,
    )


def stock_report_tables(store: Store, day: date, period: Period) -> list[Table]:
    """Everything the stock report shows: state at ``day``, slow movers, DLC, losses."""
    state = stock_state(store, day)
    return [
        state.by_category,
        state.by_origin,
        slow_movers(store, day),
        # Lots keep only their present quantity: the DLC list is always today's.
        lots_near_dlc(store, store.today()),
        losses_by_cause(store, period),
    ]


__all__ = [
    "StockState",
    "end_of_day",
    "losses_by_cause",
    "lots_near_dlc",
    "product_levels_at",
    "slow_movers",
    "stock_report_tables",
    "stock_state",
]
