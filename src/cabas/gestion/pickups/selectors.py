"""Reads of collections: the rounds, the register of every collected line, and the yearly
totals by family a donor's certificate prints (the same lines, so the same sums)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cabas.gestion.pickups.models import (
    Collection,
    CollectionLine,
    CollectionState,
    DonorRate,
    DonorShop,
    PickupCategory,
    Valuation,
)
from cabas.gestion.reports.tables import Column, Table
from cabas.gestion.stores.models import Store
from cabas.rules.identifiers import format_siren
from cabas.rules.quantities import format_quantity


def store_donors(store: Store, *, active_only: bool = False) -> QuerySet[DonorShop]:
    donors = DonorShop.objects.filter(store=store)
    return donors.filter(active=True) if active_only else donors


def store_categories(store: Store, *, active_only: bool = False) -> QuerySet[PickupCategory]:
    categories = PickupCategory.objects.filter(store=store).select_related("bulk_product")
    return categories.filter(active=True) if active_only else categories


def recent_collections(store: Store) -> QuerySet[Collection]:
    return (
        Collection.objects.filter(store=store)
        .select_related("donor", "collected_by")
        .annotate(
            line_count=Count("lines"),
            weight=Coalesce(Sum("lines__weight_grams"), 0),
            refused=Coalesce(Sum("lines__refused_grams"), 0),
            value=Coalesce(Sum("lines__value_cents"), 0),
        )
        .order_by("-collected_at", "-id")
    )


def collection_for(store: Store, collection_id: int) -> Collection | None:
    return (
        Collection.objects.filter(store=store, pk=collection_id)
        .select_related("donor", "collected_by", "validated_by")
        .first()
    )


def collection_lines(collection: Collection) -> QuerySet[CollectionLine]:
    return collection.lines.select_related("category", "product", "lot").order_by("-id")


def donor_rates(donor: DonorShop) -> dict[int, int]:
    return dict(
        DonorRate.objects.filter(donor=donor).values_list("category_id", "value_per_kg_cents")
    )


def _day_bounds(store: Store, start: date, end: date) -> tuple[datetime, datetime]:
    zone = zoneinfo.ZoneInfo(store.timezone)
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def register_lines(
    store: Store, *, year: int, donor: DonorShop | None = None
) -> QuerySet[CollectionLine]:
    """The lines of the validated rounds collected in ``year`` (the shop's calendar)."""
    start, end = _day_bounds(store, date(year, 1, 1), date(year, 12, 31))
    lines = CollectionLine.objects.filter(
        store=store,
        collection__state=CollectionState.VALIDATED,
        collection__collected_at__gte=start,
        collection__collected_at__lt=end,
    )
    if donor is not None:
        lines = lines.filter(collection__donor=donor)
    return lines.select_related("collection__donor", "category", "product").order_by(
        "collection__collected_at", "collection_id", "id"
    )


REGISTER_COLUMNS = [
    Column("date", _("Date"), "date"),
    Column("collection", _("Ramasse n°")),
    Column("donor", _("Donateur")),
    Column("siren", _("SIREN")),
    Column("category", _("Famille")),
    Column("product", _("Produit")),
    Column("quantity", _("Quantité")),
    Column("date_limit", _("Date limite")),
    Column("temperature", _("Température à l'arrivée")),
    Column("weight", _("Poids accepté"), "grams"),
    Column("refused", _("Poids refusé"), "grams"),
    Column("refused_reason", _("Motif du refus")),
    Column("valuation", _("Valorisation")),
    Column("value", _("Valeur"), "cents"),
]


def register_table(store: Store, *, year: int, donor: DonorShop | None = None) -> Table:
    """The register of collections: one row per line, and the totals."""
    zone = zoneinfo.ZoneInfo(store.timezone)
    rows: list[list[Any]] = []
    weight = refused = value = 0
    for line in register_lines(store, year=year, donor=donor):
        collection = line.collection
        product = line.product
        if line.dlc:
            limit = f"DLC {line.dlc:%d/%m/%Y}"
        elif line.ddm:
            limit = f"DDM {line.ddm:%d/%m/%Y}"
        else:
            limit = ""
        reason = line.get_refused_reason_display() if line.refused_reason else ""
        if line.refused_note:
            reason = f"{reason} : {line.refused_note}"
        rows.append(
            [
                collection.collected_at.astimezone(zone).date(),
                str(collection.pk),
                collection.donor.name,
                format_siren(collection.donor.siren),
                line.category.name,
                product.name if product else "",
                format_quantity(line.quantity, product.unit)
                if product is not None and line.quantity is not None
                else "",
                limit,
                line.temperature_display,
                line.weight_grams,
                line.refused_grams,
                str(reason),
                line.get_valuation_display(),
                line.value_cents,
            ]
        )
        weight += line.weight_grams
        refused += line.refused_grams
        value += line.value_cents
    title = _("Registre des ramasses %(year)s") % {"year": year}
    if donor is not None:
        title = f"{title} — {donor.name}"
    return Table(
        title=title,
        columns=REGISTER_COLUMNS,
        rows=rows,
        totals=[None, "", _("Total"), "", "", "", "", "", "", weight, refused, "", "", value],
    )


@dataclass
class FamilyTotal:
    name: str
    weight_grams: int = 0
    refused_grams: int = 0
    value_cents: int = 0
    per_kg_cents: set[int] = field(default_factory=set)


@dataclass
class Certificate:
    """A donor's gifts of one year, by family, as its certificate prints them."""

    donor: DonorShop
    year: int
    families: list[FamilyTotal]
    collections: int
    first_day: date | None
    last_day: date | None
    valuations: set[str]

    @property
    def weight_grams(self) -> int:
        return sum(f.weight_grams for f in self.families)

    @property
    def refused_grams(self) -> int:
        return sum(f.refused_grams for f in self.families)

    @property
    def value_cents(self) -> int:
        return sum(f.value_cents for f in self.families)

    @property
    def number(self) -> str:
        return f"ATT-{self.year}-{self.donor.pk:04d}"


def donor_certificate(store: Store, donor: DonorShop, year: int) -> Certificate:
    """The totals by family of the register's lines of this donor and year."""
    zone = zoneinfo.ZoneInfo(store.timezone)
    families: dict[int, FamilyTotal] = {}
    collections: set[int] = set()
    days: list[date] = []
    valuations: set[str] = set()
    for line in register_lines(store, year=year, donor=donor):
        total = families.setdefault(line.category_id, FamilyTotal(line.category.name))
        total.weight_grams += line.weight_grams
        total.refused_grams += line.refused_grams
        total.value_cents += line.value_cents
        if line.valuation == Valuation.PER_KG and line.weight_grams:
            # The rate the line was valued at (its value back to a kilo), for the method's note.
            total.per_kg_cents.add(round(line.value_cents * 1000 / line.weight_grams))
        valuations.add(line.valuation)
        collections.add(line.collection_id)
        days.append(line.collection.collected_at.astimezone(zone).date())
    return Certificate(
        donor=donor,
        year=year,
        families=sorted(families.values(), key=lambda f: f.name),
        collections=len(collections),
        first_day=min(days) if days else None,
        last_day=max(days) if days else None,
        valuations=valuations,
    )


@dataclass(frozen=True)
class DonorYear:
    donor: DonorShop
    weight_grams: int
    value_cents: int
    collections: int


def certificates_of_year(store: Store, year: int) -> list[DonorYear]:
    """Each donor with validated rounds in ``year``, and its totals (one grouped query)."""
    start, end = _day_bounds(store, date(year, 1, 1), date(year, 12, 31))
    in_year = Q(
        collections__state=CollectionState.VALIDATED,
        collections__collected_at__gte=start,
        collections__collected_at__lt=end,
    )
    donors = (
        DonorShop.objects.filter(store=store)
        .annotate(
            weight=Coalesce(Sum("collections__lines__weight_grams", filter=in_year), 0),
            value=Coalesce(Sum("collections__lines__value_cents", filter=in_year), 0),
            rounds=Count("collections", filter=in_year, distinct=True),
        )
        .filter(rounds__gt=0)
        .order_by("name")
    )
    return [DonorYear(d, d.weight, d.value, d.rounds) for d in donors]


def collection_years(store: Store, today: date) -> list[int]:
    """The years offered: this one, and back to the first round (at most 10)."""
    first = (
        Collection.objects.filter(store=store)
        .order_by("collected_at")
        .values_list("collected_at", flat=True)
        .first()
    )
    oldest = max(first.year if first else today.year, today.year - 9)
    return list(range(today.year, oldest - 1, -1))
