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

Five queries whatever the period: by origin, by rayon (with the quality shares), losses by
cause, the products without weight, and the quality value shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, CharField, F, Q, Sum, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabas.gestion.catalog.models import Category, Origin, QualityTag
from cabas.gestion.core.routers import reporting_database
from cabas.gestion.reports.periods import Period
from cabas.gestion.reports.stock_selectors import (
    EXPIRY_CAUSE,
    _cause_expression,
    _cents,
    _milli_value,
)
from cabas.gestion.reports.tables import Column, Table, share
from cabas.gestion.stock.models import LossCause, MovementKind, StockMovement
from cabas.gestion.stores.models import Store
from cabas.rules.pricing import ORIGINS

FRUIT_AND_VEG_RAYON = "Fruits et légumes"

RECEIVED = (MovementKind.RECEPTION, MovementKind.DONATION)
DISTRIBUTED = (MovementKind.SALE, MovementKind.REFUND)
LOST = (MovementKind.LOSS, MovementKind.EXPIRY)
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


def _sums() -> dict[str, Any]:
    return {
        "g": Sum("grams"),
        "unweighed": Sum("quantity", filter=Q(grams__isnull=True)),
        "full_milli": Sum(_milli_value("quantity", "product__price_cents", "product__unit")),
    }


def _sign(flow: str) -> int:
    """Distributed and lost goods leave the stock (negative movements): shown positive."""
    return 1 if flow == "received" else -1


def _fruit_veg_rayons(store: Store) -> list[int]:
    """The rayon « Fruits et légumes » and its sous-rayons (a few rows, read once)."""
    rows = Category.objects.using(reporting_database()).filter(store=store)
    return list(
        rows.filter(
            Q(name__iexact=FRUIT_AND_VEG_RAYON) | Q(parent__name__iexact=FRUIT_AND_VEG_RAYON)
        ).values_list("pk", flat=True)
    )


def _tag(tag: str) -> Q:
    return Q(product__tags__contains=f" {tag} ")


def _origin() -> Case:
    """A movement's origin: its lot's, else (a sale the lots did not cover) its product's."""
    return Case(
        When(lot__isnull=False, then=F("lot__origin")),
        default=F("product__origin"),
        output_field=CharField(),
    )


def kilograms(store: Store, period: Period, *, origins: Iterable[str] | None = None) -> Kilograms:
    """The period's kilograms; with ``origins``, only the goods of those origins (the food
    bank's return counts the food bank's)."""
    result = Kilograms()
    movements = _movements(store, period)
    if origins is not None:
        movements = movements.alias(k_from=_origin()).filter(k_from__in=list(origins))

    # 1. By flow and origin: the lot's, else the product's.
    origin = _origin()
    programme = Case(
        When(lot__isnull=False, then=F("lot__programme")),
        default=F("product__programme"),
        output_field=CharField(),
    )
    rows = movements.values("kind", k_origin=origin, k_programme=programme).annotate(**_sums())
    for r in rows.order_by():
        flow = FLOWS[r["kind"]]
        sign = _sign(flow)
        key = (r["k_origin"] or "", r["k_programme"] or "")
        flows = result.by_origin.setdefault(
            key, {"received": Flow(), "distributed": Flow(), "lost": Flow()}
        )
        values = (sign * (r["g"] or 0), sign * (r["unweighed"] or 0), sign * (r["full_milli"] or 0))
        flows[flow].add(*values)
        result.flow(flow).add(*values)

    # 2. By flow and rayon, with the quality tags' grams and values of what was distributed.
    fruit_veg = _tag(QualityTag.FRUIT_VEG)
    rayons = _fruit_veg_rayons(store)
    if rayons:
        fruit_veg |= Q(product__category_id__in=rayons)
    tag_filters = {
        QualityTag.FRUIT_VEG: fruit_veg,
        QualityTag.PULSES: _tag(QualityTag.PULSES),
        QualityTag.EGALIM: _tag(QualityTag.EGALIM),
    }
    value = _milli_value("quantity", "product__price_cents", "product__unit")
    quality: dict[str, Any] = {}
    for tag, test in tag_filters.items():
        quality[f"g_{tag}"] = Sum("grams", filter=test)
        quality[f"v_{tag}"] = Sum(value, filter=test)
    rayon = Coalesce("product__category__parent_id", "product__category_id")
    by_rayon: dict[int | None, dict[str, Flow]] = defaultdict(
        lambda: {"received": Flow(), "distributed": Flow(), "lost": Flow()}
    )
    for r in movements.values("kind", k_rayon=rayon).annotate(**_sums(), **quality).order_by():
        flow = FLOWS[r["kind"]]
        sign = _sign(flow)
        by_rayon[r["k_rayon"]][flow].add(
            sign * (r["g"] or 0), sign * (r["unweighed"] or 0), sign * (r["full_milli"] or 0)
        )
        if flow == "distributed":
            for tag in QUALITY_TAGS:
                result.quality_grams[tag] = result.quality_grams.get(tag, 0) - (r[f"g_{tag}"] or 0)
                result.quality_milli[tag] = result.quality_milli.get(tag, 0) - (r[f"v_{tag}"] or 0)

    result.tables = [
        _origin_table(result),
        _rayon_table(store, by_rayon),
        _losses_table(movements),
        _quality_table(result),
        _unweighed_table(movements),
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


def _rayon_table(store: Store, by_rayon: dict[int | None, dict[str, Flow]]) -> Table:
    names = dict(
        Category.objects.using(reporting_database())
        .filter(store=store, pk__in=[k for k in by_rayon if k is not None])
        .values_list("pk", "name")
    )
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


def _losses_table(movements: Any) -> Table:
    rows_qs = (
        movements.filter(kind__in=list(LOST))
        .annotate(cause=_cause_expression())
        .values("cause")
        .annotate(**_sums())
        .order_by("cause")
    )
    labels = {c.value: str(c.label) for c in LossCause}
    labels[EXPIRY_CAUSE] = _("Date dépassée (destruction)")
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


def _unweighed_table(movements: Any, limit: int = 100) -> Table:
    """The products whose movements of the period had no weight: listed, never zero."""
    found: dict[int, dict[str, Any]] = {}
    rows_qs = (
        movements.filter(grams__isnull=True)
        .values("product_id", "product__name", "kind")
        .annotate(pieces=Sum("quantity"))
        .order_by()
    )
    for r in rows_qs:
        entry = found.setdefault(
            r["product_id"],
            {"name": r["product__name"], "received": 0, "distributed": 0, "lost": 0},
        )
        flow = FLOWS[r["kind"]]
        entry[flow] += _sign(flow) * (r["pieces"] or 0)
    ordered = sorted(found.values(), key=lambda e: (-e["distributed"], -e["received"], e["name"]))
    rows = [[e["name"], e["received"], e["distributed"], e["lost"]] for e in ordered[:limit]]
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
