from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from cabas.gestion.catalog.labels import LABELS_PER_PAGE, labels_pdf
from cabas.gestion.catalog.models import BarcodeKind, Product
from cabas.gestion.catalog.services import barcode_attach, product_create
from cabas.rules import barcodes as barcode_rules

OUTPUT = Path("test-output/test_labels")


def test_labels_show_name_price_and_the_barcode_digits(world, rayon):
    rice = product_create(
        store=world.store_a,
        actor=world.alice,
        name="Riz basmati 1 kg",
        category=rayon,
        price_cents=259,
        brand="Taureau Ailé",
    )
    barcode_attach(product=rice, code="3017620422003")
    apples = product_create(
        store=world.store_a,
        actor=world.alice,
        name="Pommes Golden",
        category=rayon,
        price_cents=249,
        unit="kg",
    )
    barcode_attach(product=apples, code=barcode_rules.lookup_code("21", "00042"))
    products = list(Product.objects.prefetch_related("barcodes").order_by("pk"))
    pdf = labels_pdf(products, title="Étiquettes")
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Riz basmati 1 kg" in text and "Taureau Ailé" in text
    assert "2,59 €" in text and "2,49 €" in text and "le kg" in text
    assert "017620" in text  # the human-readable digits under the bars
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "labels.pdf").write_bytes(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(OUTPUT / "labels.pdf"),
                str(OUTPUT / "labels"),
            ],
            check=True,
        )


def test_labels_fill_several_pages_and_can_skip_used_places(world, rayon):
    products = [
        product_create(
            store=world.store_a,
            actor=world.alice,
            name=f"Produit {i}",
            category=rayon,
            price_cents=100 + i,
        )
        for i in range(LABELS_PER_PAGE + 2)
    ]
    assert len(PdfReader(io.BytesIO(labels_pdf(products))).pages) == 2
    assert len(PdfReader(io.BytesIO(labels_pdf(products[:3], skip=22))).pages) == 2


def test_the_labels_page_gives_products_without_barcode_an_internal_code(
    alice_client, world, rayon
):
    carrots = product_create(
        store=world.store_a,
        actor=world.alice,
        name="Carottes vrac",
        category=rayon,
        price_cents=149,
        unit="kg",
    )
    response = alice_client.post("/produits/etiquettes/", {"products": [carrots.pk]})
    assert response["Content-Type"] == "application/pdf"
    barcode = carrots.barcodes.get()
    assert barcode.kind == BarcodeKind.INTERNAL and barcode_rules.is_valid_gtin(barcode.code)
    assert barcode.code in PdfReader(io.BytesIO(response.content)).pages[0].extract_text() or (
        barcode.code[1:7] in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    )


@pytest.mark.parametrize("data", [{}, {"products": ["abc"]}])
def test_the_labels_page_without_products_says_so(alice_client, world, data):
    response = alice_client.post("/produits/etiquettes/", data, follow=True)
    assert "Cochez au moins un produit" in response.content.decode()
