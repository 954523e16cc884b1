"""Weighed products: every quantity a person types is in kilos, stored in grams, shown in
kilos — the product form, the product page and the spreadsheet export/import (issue #21,
item 2)."""

from __future__ import annotations

from cabas.gestion.catalog import spreadsheets
from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import product_create
from cabas.gestion.catalog.spreadsheets import export_csv
from cabas.rules.quantities import format_quantity, stored_quantity, typed_quantity


def test_the_rule_reads_kilos_with_a_comma_and_shows_kilos() -> None:
    assert stored_quantity("2,5", "kg") == 2500
    assert stored_quantity("1 500", "piece") == 1500
    assert typed_quantity(5000, "kg") == "5"
    assert format_quantity(12_500, "kg") == "12,5\u00a0kg"
    assert format_quantity(-3, "piece", signed=True) == "-3"


def test_a_minimum_typed_for_a_kg_product_is_kilos(alice_client, world, rayon) -> None:
    response = alice_client.post(
        "/produits/nouveau/",
        {
            "name": "Comté",
            "category": rayon.pk,
            "unit": "kg",
            "price_cents": "14,90",
            "vat_rate_bp": 550,
            "origin": "purchase",
            "min_stock": "5",
            "max_stock": "12,5",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.min_stock, product.max_stock) == (5000, 12_500)
    page = alice_client.get(f"/produits/{product.pk}/").content.decode()
    assert "5\u00a0kg / 12,5\u00a0kg" in page
    edit = alice_client.get(f"/produits/{product.pk}/modifier/").content.decode()
    assert 'value="12,5"' in edit


def test_the_export_writes_kilos_and_the_import_reads_them_back(world, rayon) -> None:
    product_create(
        store=world.store_a,
        actor=None,
        name="Comté",
        category=rayon,
        price_cents=1490,
        unit="kg",
        min_stock=2500,
    )
    text = export_csv(world.store_a).decode("utf-8-sig")
    row = next(line for line in text.splitlines() if "Comté" in line)
    assert ";2,5;" in row


def test_a_kg_product_exports_and_imports_back_unchanged_and_reads_kilos(world, rayon) -> None:
    from tests.gestion.catalog.test_import_export import apply, report_for

    product = product_create(
        store=world.store_a,
        actor=None,
        name="Comté",
        category=rayon,
        price_cents=1490,
        unit="kg",
        min_stock=2500,
    )
    for fmt in ("csv", "xlsx"):
        content = getattr(spreadsheets, f"export_{fmt}")(world.store_a)
        _pending, report = report_for(world, content, f"export.{fmt}")
        assert [line.action for line in report.lines] == ["unchanged"]
    csv = (
        "reference;nom;rayon;sous_rayon;prix;unite;stock_min\n"
        f"{product.pk};Comté;{rayon.parent.name};{rayon.name};14,90;kg;3,5\n"
    )
    pending, report = report_for(world, csv.encode())
    assert [line.errors for line in report.lines] == [[]]
    apply(world, pending, only_valid=False)
    product.refresh_from_db()
    assert product.min_stock == 3500
