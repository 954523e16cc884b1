from __future__ import annotations

from cabas.gestion.catalog.models import CatalogSettings, Product
from cabas.gestion.catalog.services import (
    barcode_attach,
    category_create,
    product_archive,
    product_create,
)
from cabas.rules import barcodes as barcode_rules


def many_products(world, rayon, n=60):  # type: ignore[no-untyped-def]
    products = []
    for index in range(n):
        product = product_create(
            store=world.store_a,
            actor=world.alice,
            name=f"Produit {index:03d}",
            category=rayon,
            price_cents=100 + index,
            brand="Marque",
        )
        barcode_attach(
            product=product, code=barcode_rules.make_internal_code(1, index + 1, prefix="20")
        )
        products.append(product)
    return products


def test_the_list_page_paginates_with_a_capped_number_of_queries(
    alice_client, world, rayon, django_assert_max_num_queries
):
    many_products(world, rayon)
    with django_assert_max_num_queries(12):
        response = alice_client.get("/produits/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "60 produits" in body and "page 1 sur 2" in body
    with django_assert_max_num_queries(12):
        response = alice_client.get("/produits/?page=2", HTTP_HX_REQUEST="true")
    assert "Produit 059" in response.content.decode()
    assert "<html" not in response.content.decode()  # the HTMX partial only


def test_search_by_name_ignores_case_and_accents(alice_client, world, rayon):
    product_create(
        store=world.store_a,
        actor=world.alice,
        name="Pâtes complètes",
        category=rayon,
        price_cents=120,
        brand="Panzani",
    )
    product_create(
        store=world.store_a, actor=world.alice, name="Riz", category=rayon, price_cents=150
    )
    body = alice_client.get("/produits/?q=PATES+panz", HTTP_HX_REQUEST="true").content.decode()
    assert "Pâtes complètes" in body and "Riz" not in body


def test_search_by_barcode_and_by_a_scale_label(alice_client, world, rayon):
    apples = product_create(
        store=world.store_a,
        actor=world.alice,
        name="Pommes",
        category=rayon,
        price_cents=249,
        unit="kg",
    )
    barcode_attach(product=apples, code=barcode_rules.lookup_code("22", "00042"))
    label = barcode_rules.encode_scale_code("22", "00042", 1500)
    body = alice_client.get(f"/produits/?q={label}").content.decode()
    assert "Pommes" in body and "1 produit" in body


def test_filters_by_category_origin_state_and_low_stock(alice_client, world, rayon):
    other = category_create(store=world.store_a, name="Hygiène")
    product_create(
        store=world.store_a,
        actor=world.alice,
        name="Savon",
        category=other,
        price_cents=199,
        origin="donation",
        min_stock=3,
    )
    old = product_create(
        store=world.store_a, actor=world.alice, name="Ancien", category=rayon, price_cents=100
    )
    product_archive(product=old, actor=world.alice)
    body = alice_client.get(f"/produits/?category={other.pk}").content.decode()
    assert "Savon" in body
    body = alice_client.get("/produits/?origin=purchase").content.decode()
    assert "Savon" not in body
    body = alice_client.get("/produits/?status=archived").content.decode()
    assert "Ancien" in body and "Savon" not in body
    body = alice_client.get("/produits/?below_minimum=on").content.decode()
    assert "Savon" in body and "1 produit" in body  # stock 0 < minimum 3


def test_the_cashier_sees_no_catalogue(client, world):
    client.force_login(world.bob)
    assert client.get("/produits/").status_code == 403


def test_another_shops_product_is_a_404(client, world, rayon):
    product = product_create(
        store=world.store_a, actor=world.alice, name="Riz", category=rayon, price_cents=150
    )
    client.force_login(world.charlie)
    assert client.get(f"/produits/{product.pk}/").status_code == 404


def test_creating_a_product_with_bad_input_shows_french_errors(alice_client, world, rayon):
    response = alice_client.post(
        "/produits/nouveau/",
        {
            "name": "",
            "category": rayon.pk,
            "unit": "piece",
            "price_cents": "abc",
            "vat_rate_bp": 550,
            "origin": "programme",
            "barcode": "3017620422004",
        },
    )
    body = response.content.decode()
    assert "Ce champ est obligatoire." in body
    assert "n&#x27;est pas un montant en euros" in body
    assert not Product.objects.exists()


def test_creating_a_product_with_its_barcode(alice_client, world, rayon):
    response = alice_client.post(
        "/produits/nouveau/",
        {
            "name": "Pâte à tartiner",
            "category": rayon.pk,
            "unit": "piece",
            "price_cents": "3,49",
            "cost_cents": "2,10",
            "vat_rate_bp": 550,
            "origin": "purchase",
            "barcode": "3017620422003",
        },
    )
    product = Product.objects.get()
    assert response.status_code == 302
    assert product.price_cents == 349 and product.cost_cents == 210
    assert [b.code for b in product.barcodes.all()] == ["3017620422003"]


def test_a_programme_product_needs_its_programme_in_the_form(alice_client, world, rayon):
    response = alice_client.post(
        "/produits/nouveau/",
        {
            "name": "Lentilles",
            "category": rayon.pk,
            "unit": "piece",
            "price_cents": "1,79",
            "vat_rate_bp": 550,
            "origin": "programme",
        },
    )
    assert "Indiquez le programme d&#x27;aide" in response.content.decode()


def test_editing_a_product_changes_its_price_and_the_audit_trail(alice_client, world, rayon):
    product = product_create(
        store=world.store_a, actor=world.alice, name="Riz", category=rayon, price_cents=150
    )
    response = alice_client.post(
        f"/produits/{product.pk}/modifier/",
        {
            "name": "Riz long",
            "category": rayon.pk,
            "unit": "piece",
            "price_cents": "1,65",
            "vat_rate_bp": 550,
            "origin": "purchase",
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price_cents) == ("Riz long", 165)


def test_scanning_a_barcode_onto_a_product_with_htmx(alice_client, world, rayon):
    product = product_create(
        store=world.store_a, actor=world.alice, name="Riz", category=rayon, price_cents=150
    )
    page = alice_client.get(f"/produits/{product.pk}/").content.decode()
    assert "data-scan-field" in page and "autofocus" in page
    response = alice_client.post(
        f"/produits/{product.pk}/codes-barres/", {"code": "3017620422003"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Code-barres 3017620422003 ajouté." in body
    again = alice_client.post(
        f"/produits/{product.pk}/codes-barres/", {"code": "3017620422004"}, HTTP_HX_REQUEST="true"
    )
    assert "clé de contrôle fausse" in again.content.decode()


def test_the_product_page_shows_stock_and_barcodes_in_few_queries(
    alice_client, world, rayon, django_assert_max_num_queries
):
    product = product_create(
        store=world.store_a,
        actor=world.alice,
        name="Riz",
        category=rayon,
        price_cents=150,
        barcodes=["3017620422003"],
    )
    with django_assert_max_num_queries(15):
        body = alice_client.get(f"/produits/{product.pk}/").content.decode()
    assert "3017620422003" in body and "En stock" in body


def test_the_categories_page_lists_the_tree(alice_client, world, rayon):
    body = alice_client.get("/rayons/").content.decode()
    assert "Épicerie salée" in body and "Pâtes, riz" in body


def test_a_category_with_products_cannot_be_deleted(alice_client, world, rayon):
    product_create(
        store=world.store_a, actor=world.alice, name="Riz", category=rayon, price_cents=150
    )
    response = alice_client.post(f"/rayons/{rayon.pk}/supprimer/", follow=True)
    assert "contient des produits" in response.content.decode()


def test_the_settings_page_refuses_a_bad_scale_layout(alice_client, world):
    response = alice_client.post(
        "/produits/reglages/",
        {
            "store_number": 12,
            "weight_prefixes": "21 22",
            "price_prefixes": "22",
            "internal_prefixes": "20",
            "reference_digits": 5,
            "value_digits": 5,
            "max_entry_pieces": "10000",
            "max_entry_kg": "2000",
        },
    )
    assert "deux usages" in response.content.decode()
    response = alice_client.post(
        "/produits/reglages/",
        {
            "store_number": 12,
            "weight_prefixes": "28",
            "price_prefixes": "29",
            "internal_prefixes": "20",
            "reference_digits": 4,
            "value_digits": 5,
            "price_check_digit": "on",
            "max_entry_pieces": "50000",
            "max_entry_kg": "2500,5",
        },
    )
    assert response.status_code == 302
    settings = CatalogSettings.objects.get(store=world.store_a)
    assert (settings.max_entry_pieces, settings.max_entry_grams) == (50_000, 2_500_500)
