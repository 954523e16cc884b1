"""Demo catalogue: the whole generic catalogue, with deterministic EAN-13 barcodes, scale codes
for weighed goods, internal codes for loose items, costs, a few donations and FSE+ goods.

Idempotent: activation is (by catalogue key), and only products without a barcode get one.
"""

from __future__ import annotations

import hashlib

from django.db import transaction

from cabas.gestion.accounts.models import User
from cabas.gestion.catalog.generic import generic_paths
from cabas.gestion.catalog.models import Barcode, BarcodeKind, Origin, Product, Unit
from cabas.gestion.catalog.services import (
    catalog_settings_get_or_create,
    catalogue_activate,
    product_assign_internal_code,
)
from cabas.gestion.stores.demo import register
from cabas.gestion.stores.models import Store
from cabas.rules import barcodes as barcode_rules

# Sous-rayons whose goods a food bank or the FSE+ programme typically supplies.
FSE_PLUS = {"Pâtes, riz et féculents", "Conserves de légumes", "Lait et crème"}
DONATION = {"Boulangerie", "Hygiène et beauté"}


def demo_ean13(key: str, salt: int = 0) -> str:
    """A valid, deterministic EAN-13 starting with 3 (a French GS1 prefix) for a catalogue key."""
    digest = hashlib.sha256(f"{key}:{salt}".encode()).hexdigest()
    body = "3" + str(int(digest, 16))[-11:].zfill(11)
    return body + str(barcode_rules.gtin_check_digit(body))


@register(20, "catalogue, codes-barres et prix")
def load_demo_catalogue(store: Store, users: dict[str, User]) -> None:
    actor = users.get("responsable")
    with transaction.atomic():
        catalogue_activate(store=store, categories=_rayons(), actor=actor)
        catalog_settings_get_or_create(store=store)
        products = list(
            Product.objects.filter(store=store, catalogue_key__isnull=False, barcodes__isnull=True)
            .select_related("category", "category__parent")
            .order_by("pk")
        )
        if not products:
            return
        used = set(Barcode.objects.filter(store=store).values_list("code", flat=True))
        barcodes: list[Barcode] = []
        loose: list[Product] = []
        scale_reference = 100
        for product in products:
            rayon = product.category.parent.name if product.category.parent else ""
            sous_rayon = product.category.name
            if product.unit == Unit.KG:
                # Weighed at the shop's scale: registered under the label's lookup code.
                code = barcode_rules.lookup_code("21", f"{scale_reference:05d}")
                scale_reference += 1
                while code in used:
                    code = barcode_rules.lookup_code("21", f"{scale_reference:05d}")
                    scale_reference += 1
                kind = BarcodeKind.SCALE
            elif rayon == "Fruits et légumes" and not product.brand:
                loose.append(product)
                code = ""
            else:
                salt, code = 0, demo_ean13(product.catalogue_key or str(product.pk))
                while code in used:
                    salt += 1
                    code = demo_ean13(product.catalogue_key or str(product.pk), salt)
                kind = BarcodeKind.EAN13
            if code:
                used.add(code)
                barcodes.append(Barcode(store=store, product=product, code=code, kind=kind))
            # Costs and origins as a shop would have them.
            if sous_rayon in FSE_PLUS and product.pk % 3 == 0 and not product.brand:
                product.origin, product.programme, product.cost_cents = (
                    Origin.EU_AID,
                    "FSE+",
                    0,
                )
            elif rayon in DONATION and product.pk % 2 == 0:
                product.origin, product.cost_cents = Origin.DONATION, 0
            else:
                product.cost_cents = product.price_cents * 68 // 100
            if product.pk % 4 == 0:
                product.min_stock, product.max_stock = 5, 40
        Barcode.objects.bulk_create(barcodes, batch_size=500)
        Product.objects.bulk_update(
            products,
            ["origin", "programme", "cost_cents", "min_stock", "max_stock"],
            batch_size=500,
        )
        for product in loose:
            product_assign_internal_code(product=product, actor=actor)


def _rayons() -> list[str]:
    """Every rayon of the generic catalogue (a rayon takes all its sous-rayons)."""
    return [path for path in generic_paths() if " › " not in path]
