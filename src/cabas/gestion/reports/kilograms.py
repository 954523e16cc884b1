"""The kilograms funders count, read from the stock ledger (each movement carries its grams).

Definitions (printed under the reports):
- *Received*: receptions and donations (entry movements) of the period; *distributed*: sales
  net of refunds; *lost*: losses and expiry disposals, by cause.
- *Origin*: the lot's (purchase, food bank, EU aid, national programme, ramasse, public
  collection, other donation), so a product bought and also given counts where each unit came
  from; a sale the lots did not cover takes its product's origin.
- *Sans poids*: goods sold by the piece whose product has no net weight: counted in pieces
  apart, never as zero kilograms, and listed so that their weight can be typed.
- *Value*: the movements at the product's current full price (the catalogue keeps no price
  history), beside the kilograms.
- *Quality food* (« Mieux manger pour tous »): products tagged fruits and vegetables (or in the
  rayon « Fruits et légumes »), pulses, or labelled (EGalim), as a share of the kilograms and
  of the value distributed.

Five queries whatever the period: the ledger grouped by kind, lot and product (no join);
the lots and the products found, by primary key; the shop's rayons; the losses by cause. The
tables by origin, by rayon, of the quality shares and of the products without weight are sums
of those rows, added up in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, F, Q, Sum, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabas.gestion.catalog.models import Category, Origin, Product, QualityTag, Unit
from cabas.gestion.core.routers import reporting_database
from cabas.gestion.reports.periods import Period
from cabas.gestion.reports.stock_selectors import (
    MILLI,
    _cause_expression,
    _cents,
    _milli_value,
    cause_labels,
)
from cabas.gestion.reports.tables import Column, Table, share
from cabas.gestion.stock.models import Lot, MovementKind, StockMovement
from cabas.gestion.stores.models import Store
from cabas.rules.pricing import ORIGINS

FRUIT_AND_VEG_RAYON = "Fruits et légumes"

RECEIVED = (MovementKind.RECEPTION, MovementKind.DONATION)
DISTRIBUTED = (MovementKind.SALE, MovementKind.REFUND)
LOST = (MovementKind.LOSS, MovementKind.EXPIRY, MovementKind.RECALL)
FLOWS = {
    **dict.fromkeys(RECEIVED, "received"),
    **dict.fromkeys(DISTRIBUTED, "distributed"),
    **dict.fromkeys(LOST, "lost"),
}
"""Which flow each kind of movement counts in (adjustments and corrections count in none)."""

DEFINITIONS = gettext_lazy(
    "Kilogrammes : reçus = réceptions et dons ; distribués = ventes nettes des retours ; "
    "perdus = casse, pertes et destructions. Provenance : celle du lot. « Sans poids » : "
    "produits à la pièce dont le poids net n'est pas renseigné, comptés en pièces à part, "
    "jamais pour zéro. Valeurs au prix plein actuel du catalogue. Un litre compte pour un "
    "kilo."
)

ORIGIN_LABELS = dict(Origin.choices)
QUALITY_TAGS = (QualityTag.FRUIT_VEG, QualityTag.PULSES, QualityTag.EGALIM)


@dataclass
class Flow:
    """Grams, pieces without weight and full-price value (thousandths of a cent) of a flow."""

    grams: int = 0
    unweighed: int = 0
    full_milli: int = 0

    def add(self, grams: int | None, unweighed: int | None, full_milli: int | None) -> None:
        self.grams += grams or 0
        self.unweighed += unweighed or 0
        self.full_milli += full_milli or 0


@dataclass
class Kilograms:
    """The kilogram figures of a period: totals by flow, and the tables."""

    received: Flow = field(default_factory=Flow)
    distributed: Flow = field(default_factory=Flow)
    lost: Flow = field(default_factory=Flow)
    by_origin: dict[tuple[str, str], dict[str, Flow]] = field(default_factory=dict)
    quality_grams: dict[str, int] = field(default_factory=dict)
    quality_milli: dict[str, int] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)

    def flow(self, name: str) -> Flow:
        flow: Flow = getattr(self, name)
        return flow

    def per_person(self, people: int) -> int | None:
        """Grams distributed per person served (None with nobody served)."""
        return self.distributed.grams // people if people else None

    def origin_grams(self, flow: str, origins: Iterable[str]) -> int:
        wanted = set(origins)
        return sum(
            flows[flow].grams for (origin, _p), flows in self.by_origin.items() if origin in wanted
        )


def _movements(store: Store, period: Period) -> Any:
    return StockMovement.objects.using(reporting_database()).filter(
        store=store,
        occurred_at__gte=period.start,
        occurred_at__lt=period.end,
        kind__in=list(FLOWS),
    )


def _sign(flow: str) -> int:
    """Distributed and lost goods leave the stock (negative movements): shown positive."""
    return 1 if flow == "received" else -1


@dataclass(frozen=True)
class _ProductFacts:
    """What the figures need of a product, read by primary key after the aggregation."""

    name: str
    unit: str
    price_cents: int
    origin: str
    programme: str
    category_id: int
    rayon_id: int
    tags: frozenset[str]

    def milli(self, quantity: int) -> int:
        """``quantity`` at the full price, in thousandths of a cent (as stock_selectors)."""
        return quantity * self.price_cents * (1 if self.unit == Unit.KG else MILLI)


def _products(store: Store, ids: Iterable[int]) -> dict[int, _ProductFacts]:
    rows = (
        Product.objects.using(reporting_database())
        .filter(store=store, pk__in=set(ids))
        .values_list(
            "pk",
            "name",
            "unit",
            "price_cents",
            "origin",
            "programme",
            "category_id",
            "category__parent_id",
            "tags",
        )
    )
    return {
        pk: _ProductFacts(
            name,
            unit,
            price,
            origin,
            programme,
            category,
            parent or category,
            frozenset(tags.split()),
        )
        for pk, name, unit, price, origin, programme, category, parent, tags in rows
    }


def _flows() -> dict[str, Flow]:
    return {"received": Flow(), "distributed": Flow(), "lost": Flow()}


def kilograms(store: Store, period: Period, *, origins: Iterable[str] | None = None) -> Kilograms:
    """The period's kilograms; with ``origins``, only the goods of those origins (the food
    bank's return counts the food bank's).

    One grouped query over the ledger (by kind, lot and product, no join: a hash aggregate
    of the period's range of the ledger), the lots' origins and the products' facts read by
    primary key after it, one query of the rayons' names, one of the losses by cause."""
    result = Kilograms()
    wanted = None if origins is None else set(origins)
    grouped = list(
        _movements(store, period)
        .values("kind", "lot_id", "product_id")
        .annotate(
            g=Sum("grams"),
            unweighed=Sum("quantity", filter=Q(grams__isnull=True)),
            quantity=Sum("quantity"),
        )
        .order_by()
    )
    products = _products(store, {r["product_id"] for r in grouped})
    lots = dict(
        (pk, (origin, programme))
        for pk, origin, programme in Lot.objects.using(reporting_database())
        .filter(store=store, pk__in={r["lot_id"] for r in grouped if r["lot_id"] is not None})
        .values_list("pk", "origin", "programme")
    )
    categories = list(
        Category.objects.using(reporting_database())
        .filter(store=store)
        .values_list("pk", "name", "parent_id")
    )
    names = {pk: name for pk, name, _parent in categories}
    fruit_veg_rayons = {
        pk
        for pk, name, parent in categories
        if name.casefold() == FRUIT_AND_VEG_RAYON.casefold()
        or (
            parent is not None
            and names.get(parent, "").casefold() == FRUIT_AND_VEG_RAYON.casefold()
        )
    }
    by_rayon: dict[int | None, dict[str, Flow]] = defaultdict(_flows)
    unweighed: dict[int, dict[str, int]] = {}
    for r in grouped:
        product = products.get(r["product_id"])
        if product is None:  # another shop's product cannot be in this shop's ledger
            continue
        # The lot's origin; a sale the lots did not cover takes its product's.
        lot = lots.get(r["lot_id"]) if r["lot_id"] is not None else None
        origin, programme = lot if lot is not None else (product.origin, product.programme)
        if wanted is not None and origin not in wanted:
            continue
        flow = FLOWS[r["kind"]]
        sign = _sign(flow)
        grams = sign * (r["g"] or 0)
        pieces = sign * (r["unweighed"] or 0)
        milli = sign * product.milli(r["quantity"] or 0)
        result.by_origin.setdefault((origin, programme), _flows())[flow].add(grams, pieces, milli)
        result.flow(flow).add(grams, pieces, milli)
        by_rayon[product.rayon_id][flow].add(grams, pieces, milli)
        if pieces:
            entry = unweighed.setdefault(
                r["product_id"], {"received": 0, "distributed": 0, "lost": 0}
            )
            entry[flow] += pieces
        if flow == "distributed":
            tags = set(product.tags)
            if product.rayon_id in fruit_veg_rayons or product.category_id in fruit_veg_rayons:
                tags.add(QualityTag.FRUIT_VEG)
            for tag in QUALITY_TAGS:
                if tag in tags:
                    result.quality_grams[tag] = result.quality_grams.get(tag, 0) + grams
                    result.quality_milli[tag] = result.quality_milli.get(tag, 0) + milli

    result.tables = [
        _origin_table(result),
        _rayon_table(by_rayon, names),
        _losses_table(store, period, wanted),
        _quality_table(result),
        _unweighed_table(unweighed, products),
    ]
    return result


_FLOW_COLUMNS = [
    Column("received", gettext_lazy("Reçus"), "grams"),
    Column("received_value", gettext_lazy("Valeur reçue"), "cents"),
    Column("distributed", gettext_lazy("Distribués"), "grams"),
    Column("distributed_value", gettext_lazy("Valeur distribuée"), "cents"),
    Column("lost", gettext_lazy("Perdus"), "grams"),
    Column("unweighed", gettext_lazy("Pièces sans poids (distribuées)"), "int"),
]


def _flow_cells(flows: dict[str, Flow]) -> list[Any]:
    return [
        flows["received"].grams,
        _cents(flows["received"].full_milli),
        flows["distributed"].grams,
        _cents(flows["distributed"].full_milli),
        flows["lost"].grams,
        flows["distributed"].unweighed,
    ]


def _total_cells(rows: list[list[Any]]) -> list[Any]:
    return [sum(r[i] for r in rows) for i in range(1, len(_FLOW_COLUMNS) + 1)]


def origin_label(origin: str, programme: str) -> str:
    label = str(ORIGIN_LABELS.get(origin, origin)) if origin else _("Hors catalogue")
    return f"{label} ({programme})" if programme else label


def _origin_order(key: tuple[str, str]) -> tuple[int, str]:
    origin, programme = key
    return (ORIGINS.index(origin) if origin in ORIGINS else len(ORIGINS), programme)


def _origin_table(result: Kilograms) -> Table:
    rows = [
        [origin_label(*key), *_flow_cells(result.by_origin[key])]
        for key in sorted(result.by_origin, key=_origin_order)
    ]
    return Table(
        title=_("Kilogrammes par provenance"),
        columns=[Column("origin", gettext_lazy("Provenance")), *_FLOW_COLUMNS],
        rows=rows,
        totals=[_("Total"), *_total_cells(rows)],
    )


def _rayon_table(by_rayon: dict[int | None, dict[str, Flow]], names: dict[int, str]) -> Table:
    rows = sorted(
        (
            [names.get(k, _("Hors catalogue")) if k is not None else _("Hors catalogue")]
            + _flow_cells(flows)
            for k, flows in by_rayon.items()
        ),
        key=lambda row: (-row[3], str(row[0])),
    )
    return Table(
        title=_("Kilogrammes par rayon"),
        columns=[Column("rayon", gettext_lazy("Rayon")), *_FLOW_COLUMNS],
        rows=rows,
        totals=[_("Total"), *_total_cells(rows)],
    )


def _losses_table(store: Store, period: Period, wanted: set[str] | None) -> Table:
    """The period's losses by cause (only the loss rows: a small part of the ledger)."""
    losses = _movements(store, period).filter(kind__in=list(LOST))
    if wanted is not None:
        losses = losses.alias(k_from=_origin()).filter(k_from__in=list(wanted))
    rows_qs = (
        losses.annotate(cause=_cause_expression())
        .values("cause")
        .annotate(
            g=Sum("grams"),
            unweighed=Sum("quantity", filter=Q(grams__isnull=True)),
            full_milli=Sum(_milli_value("quantity", "product__price_cents", "product__unit")),
        )
        .order_by("cause")
    )
    labels = cause_labels()
    rows = [
        [
            labels.get(r["cause"], r["cause"]),
            -(r["g"] or 0),
            -(r["unweighed"] or 0),
            -_cents(r["full_milli"]),
        ]
        for r in rows_qs
    ]
    return Table(
        title=_("Kilogrammes perdus par cause"),
        columns=[
            Column("cause", gettext_lazy("Cause")),
            Column("grams", gettext_lazy("Perdus"), "grams"),
            Column("unweighed", gettext_lazy("Pièces sans poids"), "int"),
            Column("full", gettext_lazy("Valeur au prix plein"), "cents"),
        ],
        rows=rows,
        totals=[_("Total"), *(sum(r[i] for r in rows) for i in (1, 2, 3))] if rows else None,
    )


def _origin() -> Case:
    """A movement's origin: its lot's, else (a sale the lots did not cover) its product's."""
    return Case(
        When(lot__isnull=False, then=F("lot__origin")),
        default=F("product__origin"),
        output_field=CharField(),
    )


def _quality_table(result: Kilograms) -> Table:
    total_g = result.distributed.grams
    total_milli = result.distributed.full_milli
    rows = []
    for tag in QUALITY_TAGS:
        grams = result.quality_grams.get(tag, 0)
        milli = result.quality_milli.get(tag, 0)
        rows.append(
            [
                str(QualityTag(tag).label),
                grams,
                share(grams, total_g),
                _cents(milli),
                share(milli, total_milli),
            ]
        )
    return Table(
        title=_("Alimentation de qualité (« Mieux manger pour tous »)"),
        columns=[
            Column("tag", gettext_lazy("Étiquette")),
            Column("grams", gettext_lazy("Distribués"), "grams"),
            Column("grams_share", gettext_lazy("Part des kilos"), "percent"),
            Column("full", gettext_lazy("Valeur distribuée"), "cents"),
            Column("full_share", gettext_lazy("Part de la valeur"), "percent"),
        ],
        rows=rows,
        note=_(
            "Parts des kilos pesés et de la valeur distribués ; fruits et légumes : étiquette "
            "du produit ou rayon « %(rayon)s »."
        )
        % {"rayon": FRUIT_AND_VEG_RAYON},
    )


def _unweighed_table(
    found: dict[int, dict[str, int]], products: dict[int, _ProductFacts], limit: int = 100
) -> Table:
    """The products whose movements of the period had no weight: listed, never zero."""
    entries = [(products[pk].name, flows) for pk, flows in found.items()]
    ordered = sorted(entries, key=lambda e: (-e[1]["distributed"], -e[1]["received"], e[0]))
    rows: list[list[Any]] = [
        [name, flows["received"], flows["distributed"], flows["lost"]]
        for name, flows in ordered[:limit]
    ]
    note = _(
        "Indiquez leur poids net dans leur fiche produit (ou l'import), puis lancez « cabas "
        "stock_weights » pour peser les mouvements passés."
    )
    if len(ordered) > limit:
        note = _("%(n)s produits, les %(limit)s plus distribués ici. ") % {
            "n": len(ordered),
            "limit": limit,
        } + str(note)
    return Table(
        title=_("Produits sans poids (non comptés dans les kilos)"),
        columns=[
            Column("product", gettext_lazy("Produit")),
            Column("received", gettext_lazy("Pièces reçues"), "int"),
            Column("distributed", gettext_lazy("Pièces distribuées"), "int"),
            Column("lost", gettext_lazy("Pièces perdues"), "int"),
        ],
        rows=rows,
        totals=[_("Total"), *(sum(r[i] for r in rows) for i in (1, 2, 3))] if rows else None,
        note=note,
    )


def key_figures_table(result: Kilograms, people: int, households: int) -> Table:
    """The kilogram key figures, typed (numbers stay numbers in XLSX)."""
    per_household = result.distributed.grams // households if households else None
    rows: list[list[Any]] = [
        [_("Kilos reçus"), result.received.grams, _cents(result.received.full_milli), None],
        [
            _("Kilos distribués"),
            result.distributed.grams,
            _cents(result.distributed.full_milli),
            None,
        ],
        [_("Kilos perdus"), result.lost.grams, _cents(result.lost.full_milli), None],
        [_("Kilos distribués par personne servie"), result.per_person(people), None, None],
        [_("Kilos distribués par foyer servi"), per_household, None, None],
        [_("Pièces distribuées sans poids"), None, None, result.distributed.unweighed],
    ]
    return Table(
        title=_("Chiffres clés en kilogrammes"),
        columns=[
            Column("label", gettext_lazy("Indicateur")),
            Column("grams", gettext_lazy("Poids"), "grams"),
            Column("value", gettext_lazy("Valeur au prix plein"), "cents"),
            Column("pieces", gettext_lazy("Pièces"), "int"),
        ],
        rows=rows,
        note=str(DEFINITIONS),
    )
