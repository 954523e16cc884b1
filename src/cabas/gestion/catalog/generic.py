"""The generic catalogue shipped with Cabas (``data/generic_catalogue.csv``): products that
French social grocery shops usually sell, with a rayon, a sous-rayon and a reference price.

Each entry has a stable ``key``: a shop's product made from it remembers the key
(``Product.catalogue_key``), so activating the catalogue again never duplicates anything, even
after the shop renamed or repriced the product.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

PATH_SEPARATOR = " › "


@dataclass(frozen=True)
class GenericProduct:
    key: str
    rayon: str
    sous_rayon: str
    name: str
    brand: str
    unit: str
    price_cents: int
    vat_rate_bp: int
    net_weight_g: int | None = None
    """Net weight of one piece in grams (None for "kg" products, and where it is unknown)."""
    tags: tuple[str, ...] = ()
    """Quality tags (catalog.models.QualityTag values)."""

    @property
    def path(self) -> str:
        return f"{self.rayon}{PATH_SEPARATOR}{self.sous_rayon}"


@dataclass(frozen=True)
class GenericRayon:
    name: str
    sous_rayons: tuple[tuple[str, int], ...]
    """(name, number of products) in catalogue order."""

    @property
    def product_count(self) -> int:
        return sum(count for _name, count in self.sous_rayons)


@cache
def generic_products() -> tuple[GenericProduct, ...]:
    text = (
        resources.files("cabas.gestion.catalog")
        .joinpath("data/generic_catalogue.csv")
        .read_text(encoding="utf-8")
    )
    rows = csv.DictReader(text.splitlines())
    return tuple(
        GenericProduct(
            key=row["key"],
            rayon=row["rayon"],
            sous_rayon=row["sous_rayon"],
            name=row["name"],
            brand=row["brand"],
            unit=row["unit"],
            price_cents=int(row["price_cents"]),
            vat_rate_bp=int(row["vat_rate_bp"]),
            net_weight_g=int(row["net_weight_g"]) if row.get("net_weight_g") else None,
            tags=tuple((row.get("tags") or "").split()),
        )
        for row in rows
    )


@cache
def generic_rayons() -> tuple[GenericRayon, ...]:
    order: dict[str, dict[str, int]] = {}
    for product in generic_products():
        subs = order.setdefault(product.rayon, {})
        subs[product.sous_rayon] = subs.get(product.sous_rayon, 0) + 1
    return tuple(GenericRayon(name, tuple(subs.items())) for name, subs in order.items())


def generic_paths() -> list[str]:
    """Every choosable category: each rayon, and each "rayon › sous-rayon"."""
    paths: list[str] = []
    for rayon in generic_rayons():
        paths.append(rayon.name)
        paths.extend(f"{rayon.name}{PATH_SEPARATOR}{sub}" for sub, _count in rayon.sous_rayons)
    return paths


def generic_selection(categories: Iterable[str]) -> list[GenericProduct]:
    """The entries under the chosen categories (a rayon name takes all its sous-rayons).

    Raises ValueError on a category the generic catalogue does not have.
    """
    chosen = set(categories)
    unknown = chosen - set(generic_paths())
    if unknown:
        raise ValueError(f"Rayon inconnu du catalogue générique : {sorted(unknown)[0]}.")
    return [p for p in generic_products() if p.rayon in chosen or p.path in chosen]
