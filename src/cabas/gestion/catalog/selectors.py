"""Reads of the catalogue: finding a product by a scanned code, searching, listing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from cabas.gestion.catalog.models import Barcode, CatalogSettings, Category, Product, Unit
from cabas.gestion.catalog.services import search_key
from cabas.gestion.stores.models import Store
from cabas.rules import barcodes as barcode_rules


def scale_layout_for(store: Store) -> barcode_rules.ScaleLayout:
    """The shop's layout of weighed/priced labels (the default one until a manager sets it)."""
    settings = CatalogSettings.objects.filter(store=store).only("scale_layout").first()
    if settings is None:
        return barcode_rules.DEFAULT_SCALE_LAYOUT
    return settings.layout()


def entry_limit(store: Store, unit: str) -> int:
    """The largest quantity one stock entry of a product of ``unit`` may carry in this shop
    (pieces, or grams): the shop's setting, else the model's default."""
    field = "max_entry_grams" if unit == Unit.KG else "max_entry_pieces"
    value = CatalogSettings.objects.filter(store=store).values_list(field, flat=True).first()
    return int(value if value is not None else getattr(CatalogSettings(), field))


@dataclass(frozen=True)
class BarcodeMatch:
    """What a scanned code designates: the product and, for a scale label, what it weighs
    (grams) or costs (cents)."""

    product: Product
    code: str
    """The code the product is registered under (the lookup code for a scale label)."""
    scanned: str
    weight_grams: int | None = None
    price_cents: int | None = None

    @property
    def is_scale_label(self) -> bool:
        return self.weight_grams is not None or self.price_cents is not None


def product_find_by_barcode(
    store: Store, code: str, *, layout: barcode_rules.ScaleLayout | None = None
) -> BarcodeMatch | None:
    """The product a scanned code designates in this shop, or None.

    A weighed or priced EAN-13 (prefixes of the shop's scale layout) is looked up under its
    item's lookup code, and the weight or price it carries comes back in the match. A code
    registered as such wins over decoding (a shop may have registered a full scale label).
    """
    scanned = barcode_rules.normalize(code)
    if not scanned:
        return None
    barcode = Barcode.objects.filter(store=store, code=scanned).select_related("product").first()
    if barcode is not None:
        return BarcodeMatch(product=barcode.product, code=scanned, scanned=scanned)
    scale = barcode_rules.decode_scale_code(scanned, layout or scale_layout_for(store))
    if scale is None:
        return None
    barcode = (
        Barcode.objects.filter(store=store, code=scale.item_reference)
        .select_related("product")
        .first()
    )
    if barcode is None:
        return None
    return BarcodeMatch(
        product=barcode.product,
        code=scale.item_reference,
        scanned=scanned,
        weight_grams=scale.value if scale.kind == "weight" else None,
        price_cents=scale.value if scale.kind == "price" else None,
    )


def categories_tree(store: Store) -> list[tuple[Category, list[Category]]]:
    """Rayons in order, each with its sous-rayons (two queries at most: one)."""
    rows = list(Category.objects.filter(store=store).order_by("position", "name"))
    children: dict[int, list[Category]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    by_id = {row.pk: row for row in rows}
    for row in rows:
        if row.parent_id is not None:
            row.parent = by_id[row.parent_id]  # no query for str(category)
    return [(row, children.get(row.pk, [])) for row in rows if row.parent_id is None]


def category_choices(store: Store) -> list[tuple[int, str]]:
    """(id, label) of every category, rayons followed by their sous-rayons."""
    choices: list[tuple[int, str]] = []
    for rayon, subs in categories_tree(store):
        choices.append((rayon.pk, rayon.name))
        choices.extend((sub.pk, f"{rayon.name} › {sub.name}") for sub in subs)
    return choices


def product_search(
    store: Store,
    query: str = "",
    *,
    category: Category | None = None,
    origin: str = "",
    status: str = "active",
    below_minimum: bool = False,
) -> QuerySet[Product]:
    """Products of the shop matching a name/brand fragment or a barcode, with the filters.

    ``status``: "active", "archived" or "all". A query made only of digits is also matched
    against the barcodes (exact code, or a scale label decoded to its item).
    """
    products = Product.objects.filter(store=store)
    if status == "active":
        products = products.filter(active=True)
    elif status == "archived":
        products = products.filter(active=False)
    if category is not None:
        products = products.filter(Q(category=category) | Q(category__parent=category))
    if origin:
        products = products.filter(origin=origin)
    if below_minimum:
        products = products.filter(min_stock__isnull=False, stock_qty__lt=F("min_stock"))
    query = query.strip()
    if query:
        compact = "".join(query.split())
        if compact.isdigit() and len(compact) >= 8:
            match = product_find_by_barcode(store, compact)
            ids = [match.product.pk] if match else []
            products = products.filter(pk__in=ids)
        else:
            for word in search_key(query).split():
                products = products.filter(search_text__contains=word)
    return products.select_related("category", "category__parent").order_by("name", "id")


def product_detail(store: Store, product_id: int) -> Product:
    """One product of the shop with its category and barcodes (raises Product.DoesNotExist)."""
    return (
        Product.objects.select_related("store", "category", "category__parent")
        .prefetch_related("barcodes")
        .get(store=store, pk=product_id)
    )
