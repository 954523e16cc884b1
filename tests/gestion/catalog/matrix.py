"""Every catalogue URL: managers and stock managers see and change the catalogue, cashiers
nothing; charlie (shop B) gets 404 for shop A's objects."""

from __future__ import annotations

from cabas.gestion.catalog.models import Barcode, Category, Product
from cabas.gestion.catalog.services import (
    barcode_attach,
    category_create,
    product_create,
)
from cabas.gestion.catalog.spreadsheets import ProductImporter
from cabas.gestion.core.models import PendingImport
from cabas.gestion.imports import pending_import_create
from tests.gestion.matrix import STOCK_AND_MANAGER, Row, answers, object_of_shop_a

CATALOG = STOCK_AND_MANAGER
# A POST that succeeds redirects (302); the cashier is refused, charlie gets a 404.
POST_REDIRECT = answers(manager=302, stock=302, cashier=403, other=302)


def _rayon(world) -> Category:  # type: ignore[no-untyped-def]
    return Category.objects.filter(store=world.store_a, name="Matrice").first() or (
        category_create(store=world.store_a, name="Matrice")
    )


def _product(world) -> Product:  # type: ignore[no-untyped-def]
    existing = Product.objects.filter(store=world.store_a, name="Produit matrice").first()
    return existing or product_create(
        store=world.store_a,
        actor=world.alice,
        name="Produit matrice",
        category=_rayon(world),
        price_cents=150,
    )


def _barcode(world) -> Barcode:  # type: ignore[no-untyped-def]
    product = _product(world)
    return product.barcodes.first() or barcode_attach(product=product, code="3017620422003")


def _import(world) -> PendingImport:  # type: ignore[no-untyped-def]
    return pending_import_create(
        importer=ProductImporter(store=world.store_a, actor=world.alice),
        filename="produits.csv",
        content=b"nom;rayon;prix\nRiz;Matrice;1,20\n",
    )


def product(w):  # type: ignore[no-untyped-def]
    return {"product_id": _product(w).pk}


ROWS = [
    Row("catalog:product_list", CATALOG),
    Row("catalog:product_create", CATALOG),
    # The picker's search: charlie gets his own shop's products (test_product_picker.py).
    Row("catalog:product_picker", CATALOG),
    Row("catalog:product_detail", object_of_shop_a(CATALOG), kwargs=product),
    Row("catalog:product_edit", object_of_shop_a(CATALOG), kwargs=product),
    Row("catalog:product_archive", object_of_shop_a(POST_REDIRECT), kwargs=product, method="post"),
    Row("catalog:product_restore", object_of_shop_a(POST_REDIRECT), kwargs=product, method="post"),
    Row(
        "catalog:barcode_add",
        object_of_shop_a(POST_REDIRECT),
        kwargs=product,
        method="post",
        data=lambda w: {"code": "3017620422003"},
    ),
    Row(
        "catalog:barcode_remove",
        object_of_shop_a(POST_REDIRECT),
        method="post",
        kwargs=lambda w: {"product_id": _product(w).pk, "barcode_id": _barcode(w).pk},
        note="once removed, the next people are told so (302), not shown a 404",
    ),
    Row("catalog:internal_code", object_of_shop_a(POST_REDIRECT), kwargs=product, method="post"),
    # Labels of another shop's products: nothing of shop A is printed, charlie is sent back.
    Row(
        "catalog:labels",
        answers(manager=200, stock=200, cashier=403, other=302),
        method="post",
        data=lambda w: {"products": [_product(w).pk]},
    ),
    Row("catalog:catalogue_activate", CATALOG),
    Row("catalog:export", CATALOG, kwargs=lambda w: {"fmt": "csv"}),
    Row("catalog:import_upload", CATALOG),
    Row(
        "catalog:import_preview",
        object_of_shop_a(CATALOG),
        kwargs=lambda w: {"import_id": _import(w).pk},
    ),
    Row(
        "catalog:import_confirm",
        object_of_shop_a(POST_REDIRECT),
        method="post",
        kwargs=lambda w: {"import_id": _import(w).pk},
        data=lambda w: {"action": "cancel"},
    ),
    Row("catalog:settings", CATALOG),
    Row("catalog:category_list", CATALOG),
    Row("catalog:category_create", CATALOG),
    Row(
        "catalog:category_edit",
        object_of_shop_a(CATALOG),
        kwargs=lambda w: {"category_id": _rayon(w).pk},
    ),
    # Charlie's request cannot see shop A's rayon: he is told it no longer exists (302).
    Row(
        "catalog:category_delete",
        POST_REDIRECT,
        method="post",
        kwargs=lambda w: {"category_id": _rayon(w).pk},
    ),
]
