"""A product's net weight per piece and its quality tags: the form, the import and export,
the generic catalogue, and the French messages for bad input."""

from __future__ import annotations

import csv
import io

from cabas.gestion.catalog import spreadsheets
from cabas.gestion.catalog.generic import generic_products
from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import (
    catalogue_activate,
    product_create,
    products_weigh_from_catalogue,
)
from tests.gestion.catalog.test_import_export import apply, report_for


def post_product(client, rayon, **fields):  # type: ignore[no-untyped-def]
    data = {
        "name": "Lentilles vertes",
        "category": rayon.pk,
        "unit": "piece",
        "price_cents": "1,79",
        "vat_rate_bp": 550,
        "origin": "purchase",
        **fields,
    }
    return client.post("/produits/nouveau/", data)


def test_the_form_reads_a_weight_in_grams_kilos_or_litres_and_the_tags(alice_client, rayon):
    response = post_product(
        alice_client, rayon, net_weight_g="0,5 kg", tags=["legumineuses", "egalim"]
    )
    assert response.status_code == 302
    product = Product.objects.get()
    assert (product.net_weight_g, product.tag_list) == (500, ["egalim", "legumineuses"])
    page = alice_client.get(f"/produits/{product.pk}/").content.decode()
    assert "500 g" in page
    edit = alice_client.get(f"/produits/{product.pk}/modifier/").content.decode()
    assert 'value="500"' in edit


def test_a_bad_weight_gets_a_french_message_not_a_500(alice_client, rayon):
    response = post_product(alice_client, rayon, net_weight_g="lourd")
    assert response.status_code == 200
    assert "illisible" in response.content.decode()
    response = post_product(alice_client, rayon, net_weight_g="200 kg")
    assert "de 1 g à 100 kg" in response.content.decode()
    assert not Product.objects.exists()


def test_a_product_without_weight_says_so_on_its_page(alice_client, rayon):
    post_product(alice_client, rayon)
    product = Product.objects.get()
    assert product.net_weight_g is None
    assert "sans poids" in alice_client.get(f"/produits/{product.pk}/").content.decode()


def test_weights_and_tags_go_out_and_come_back_through_the_spreadsheet(world, rayon):
    product_create(
        store=world.store_a,
        actor=None,
        name="Pois chiches 4/4",
        category=rayon,
        price_cents=129,
        net_weight_g=800,
        tags=["legumineuses"],
    )
    text = spreadsheets.export_csv(world.store_a).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, row = rows[0], rows[1]
    assert row[header.index("poids_net_g")] == "800"
    assert row[header.index("etiquettes")] == "légumineuses"
    _pending, report = report_for(world, text.encode("utf-8"), "export.csv")
    assert [line.action for line in report.lines] == ["unchanged"]


def test_the_import_reads_weights_and_tags_and_refuses_bad_ones(world, rayon):
    content = (
        "nom;rayon;prix;poids_net_g;etiquettes\n"
        "Haricots rouges;Épicerie salée;1,29;800 g;légumineuses, egalim\n"
        "Huile;Épicerie salée;2,50;1 L;\n"
        "Savon;Épicerie salée;1,00;lourd;\n"
        "Sel;Épicerie salée;0,50;;piquant\n"
    ).encode()
    pending, report = report_for(world, content)
    errors = [" ".join(line.errors) for line in report.lines]
    assert errors[:2] == ["", ""]
    assert "illisible" in errors[2]
    assert "Étiquette « piquant » inconnue" in errors[3]
    apply(world, pending, only_valid=True)
    found = dict(Product.objects.values_list("name", "net_weight_g"))
    assert found == {"Haricots rouges": 800, "Huile": 1000}
    assert Product.objects.get(name="Haricots rouges").tags == " egalim legumineuses "


def test_the_generic_catalogue_knows_the_weight_of_almost_every_food_product():
    food = [
        p
        for p in generic_products()
        if p.unit == "piece"
        and p.rayon not in {"Hygiène et beauté", "Entretien", "Bébé", "Animaux"}
    ]
    unweighed = [p.name for p in food if p.net_weight_g is None]
    assert unweighed == ["Préparation pour crème dessert chocolat"]
    assert all(p.net_weight_g is None for p in generic_products() if p.unit == "kg")
    by_name = {p.name: p for p in generic_products()}
    assert by_name["Lentilles vertes 500 g"].tags == ("legumineuses",)
    assert by_name["Comté AOP 200 g"].tags == ("egalim",)
    assert "fruits_legumes" in by_name["Carottes"].tags


def test_activating_the_catalogue_brings_its_weights_and_an_old_shop_can_take_them(world):
    catalogue_activate(store=world.store_a, categories=["Épicerie salée"], actor=None)
    rice = Product.objects.get(store=world.store_a, catalogue_key="riz-long-grain-1-kg")
    assert rice.net_weight_g == 1000
    # A shop that activated it before weights existed: weights given, typed ones kept.
    Product.objects.filter(store=world.store_a).update(net_weight_g=None, tags="")
    Product.objects.filter(pk=rice.pk).update(net_weight_g=999)
    changed = products_weigh_from_catalogue(store=world.store_a)
    assert changed > 100
    rice.refresh_from_db()
    assert rice.net_weight_g == 999
    lentils = Product.objects.get(store=world.store_a, catalogue_key="lentilles-vertes-500-g")
    assert (lentils.net_weight_g, lentils.tags) == (500, " legumineuses ")
