"""Indexes built once from the snapshot: barcode -> product, a name search, beneficiaries by
card code, cashiers, category paths, and the shop's tariff and scale layout as
``cabas.rules`` objects."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from cabas.protocol import BeneficiaryItem, CashierItem, ProductItem, QuotaItem, Snapshot
from cabas.rules import categories
from cabas.rules.barcodes import ScaleLayout, normalize, parse_scale_layout
from cabas.rules.pricing import Tariff


def fold(text: str) -> str:
    """Lower case without accents, for searching: "Pâtes Complètes" -> "pates completes"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass
class Catalog:
    snapshot: Snapshot
    products: dict[int, ProductItem] = field(default_factory=dict)
    by_barcode: dict[str, ProductItem] = field(default_factory=dict)
    beneficiaries: dict[str, BeneficiaryItem] = field(default_factory=dict)
    cashiers: dict[int, CashierItem] = field(default_factory=dict)
    category_names: dict[int, str] = field(default_factory=dict)
    category_parents: dict[int, int | None] = field(default_factory=dict)
    quotas: dict[int, QuotaItem] = field(default_factory=dict)
    _search_rows: list[tuple[str, ProductItem]] = field(default_factory=list)
    tariff: Tariff = field(default_factory=lambda: Tariff(shop_rate_bp=10_000))
    layout: ScaleLayout = field(default_factory=ScaleLayout)

    @classmethod
    def build(cls, snapshot: Snapshot) -> Catalog:
        catalog = cls(snapshot=snapshot)
        for product in snapshot.products:
            if not product.active:
                continue
            catalog.products[product.id] = product
            for code in product.barcodes:
                catalog.by_barcode[normalize(code)] = product
        catalog.beneficiaries = {item.code: item for item in snapshot.beneficiaries}
        catalog.cashiers = {item.id: item for item in snapshot.cashiers}
        for category in snapshot.categories:
            catalog.category_names[category.id] = category.name
            catalog.category_parents[category.id] = category.parent_id
        catalog.quotas = {item.id: item for item in snapshot.quotas}
        catalog.tariff = Tariff.from_dict(snapshot.tariff.model_dump())
        catalog.layout = parse_scale_layout(snapshot.scale_layout.model_dump())
        return catalog

    def product_by_code(self, code: str) -> ProductItem | None:
        return self.by_barcode.get(normalize(code))

    def category_path(self, product: ProductItem) -> list[int]:
        """The product's category, then its parents up to the root (cycles cut)."""
        return categories.path(product.category_id, self.category_parents)

    def _rows(self) -> list[tuple[str, ProductItem]]:
        # Built on the first search, not at start-up: the window must open fast.
        if not self._search_rows and self.products:
            rows = [(fold(product.name), product) for product in self.products.values()]
            rows.sort(key=lambda row: row[0])
            self._search_rows = rows
        return self._search_rows

    def search(self, text: str, *, limit: int = 30) -> list[ProductItem]:
        """Products whose name holds every word typed (accents and case ignored); names that
        start with the first word come first."""
        words = fold(text).split()
        if not words:
            return []
        first = words[0]
        starts: list[ProductItem] = []
        others: list[ProductItem] = []
        for name, product in self._rows():
            if all(word in name for word in words):
                (starts if name.startswith(first) else others).append(product)
                if len(starts) >= limit:
                    break
        return (starts + others)[:limit]
