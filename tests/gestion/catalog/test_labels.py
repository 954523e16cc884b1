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


def _shop_rate(store, rate_bp: int) -> None:  # type: ignore[no-untyped-def]
    from cabas.gestion.beneficiaries.selectors import beneficiary_settings

    found = beneficiary_settings(store)
    found.shop_rate_bp = rate_bp
    found.save()


def test_a_label_shows_the_cardholders_price_the_full_price_and_the_price_per_kilo(
    alice_client, world, rayon
):
    """Shop rate 30 %, the rayon's parent at 20 %: a 500 g pack at 2,59 € costs a cardholder
    0,52 € (20 % of 2,59 rounded half up), and 5,18 € the kilo at the full price."""
    from cabas.gestion.catalog.services import category_update

    _shop_rate(world.store_a, 3000)
    parent = rayon.parent
    category_update(
        category=parent,
        actor=world.alice,
        name=parent.name,
        parent=None,
        position=parent.position,
        rate_bp=2000,
    )
    pasta = product_create(
        store=world.store_a,
        actor=world.alice,
        name="Coquillettes 500 g",
        category=rayon,
        price_cents=259,
        net_weight_g=500,
    )
    apples = product_create(
        store=world.store_a,
        actor=world.alice,
        name="Pommes Golden",
        category=rayon,
        price_cents=249,
        unit="kg",
        rate_bp=1000,
    )
    response = alice_client.post("/produits/etiquettes/", {"products": [pasta.pk, apples.pk]})
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "0,52 €" in text and "prix public 2,59 €" in text
    assert "soit 5,18 € le kg" in text
    assert "0,25 € le kg" in text and "prix public 2,49 € le kg" in text  # its own 10 %
    assert text.count("soit") == 1  # no price per kilo for weighed goods, already per kilo


def test_copies_and_formats_fill_the_sheets_as_asked(alice_client, world, rayon):
    from cabas.gestion.catalog.labels import FORMATS

    products = [
        product_create(
            store=world.store_a,
            actor=world.alice,
            name=f"Conserve {i}",
            category=rayon,
            price_cents=100 + i,
        )
        for i in range(3)
    ]
    ids = [p.pk for p in products]
    for key, fmt in FORMATS.items():
        response = alice_client.post(
            "/produits/etiquettes/", {"products": ids, "copies": "5", "format": key}
        )
        pages = PdfReader(io.BytesIO(response.content)).pages
        assert len(pages) == -(-15 // fmt.per_page), key
        text = "".join(page.extract_text() for page in pages)
        assert text.count("Conserve 1") == 5, key
        OUTPUT.mkdir(parents=True, exist_ok=True)
        (OUTPUT / f"labels-{key}.pdf").write_bytes(response.content)
    # A typo is bounded, never a thousand pages nor an error.
    for copies in ("0", "-3", "abc", "9" * 30, "²", "１２"):
        response = alice_client.post(
            "/produits/etiquettes/",
            {"products": [*ids, "²"], "copies": copies, "skip": copies, "format": "nope"},
        )
        assert response.status_code == 200
    response = alice_client.post("/produits/etiquettes/", {"products": ids, "copies": "999"})
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == -(-(3 * 50) // FORMATS["70x37"].per_page)


def test_the_product_list_offers_the_label_formats_and_copies(alice_client, world, rayon):
    product_create(
        store=world.store_a, actor=world.alice, name="Lentilles", category=rayon, price_cents=199
    )
    page = alice_client.get("/produits/").content.decode()
    assert 'name="format"' in page and "40 par page" in page and 'name="copies"' in page


def test_labels_never_print_another_shops_products(alice_client, world):
    from cabas.gestion.catalog.services import category_create

    other = product_create(
        store=world.store_b,
        actor=world.charlie,
        name="Produit de charlie",
        category=category_create(store=world.store_b, name="Rayon de charlie"),
        price_cents=100,
    )
    response = alice_client.post("/produits/etiquettes/", {"products": [other.pk]}, follow=True)
    assert "Cochez au moins un produit" in response.content.decode()
