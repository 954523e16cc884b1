from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.catalog.models import Barcode, BarcodeKind, Product
from cabas.gestion.catalog.selectors import product_find_by_barcode
from cabas.gestion.catalog.services import (
    barcode_attach,
    catalog_settings_update,
    category_create,
    product_archive,
    product_assign_internal_code,
    product_create,
    product_update,
)
from cabas.rules import barcodes as barcode_rules


def make_product(world, rayon, name="Spaghetti", **extra) -> Product:  # type: ignore[no-untyped-def]
    return product_create(
        store=rayon.store,
        actor=world.alice,
        name=name,
        category=rayon,
        price_cents=extra.pop("price_cents", 129),
        **extra,
    )


def test_it_attaches_a_valid_ean13_and_finds_the_product_by_it(world, rayon):
    product = make_product(world, rayon)
    barcode = barcode_attach(product=product, code="3038350013804", actor=world.alice)
    assert barcode.kind == BarcodeKind.EAN13
    match = product_find_by_barcode(world.store_a, " 3038350013804 ")
    assert match is not None and match.product == product and not match.is_scale_label


def test_it_refuses_a_wrong_check_digit_in_french(world, rayon):
    product = make_product(world, rayon)
    with pytest.raises(ValidationError) as error:
        barcode_attach(product=product, code="3038350013805", actor=world.alice)
    assert "clé de contrôle" in str(error.value)
    assert not Barcode.objects.exists()


def test_it_refuses_a_barcode_already_used_in_the_shop(world, rayon):
    first = make_product(world, rayon, "Spaghetti")
    second = make_product(world, rayon, "Coquillettes")
    barcode_attach(product=first, code="3038350013804", actor=world.alice)
    with pytest.raises(ValidationError) as error:
        barcode_attach(product=second, code="3038350013804", actor=world.alice)
    assert "déjà utilisé pour « Spaghetti »" in str(error.value)


def test_the_same_barcode_may_exist_in_another_shop(world, rayon):
    barcode_attach(product=make_product(world, rayon), code="3038350013804")
    other_rayon = category_create(store=world.store_b, name="Épicerie")
    other = product_create(
        store=world.store_b,
        actor=world.charlie,
        name="Spaghetti",
        category=other_rayon,
        price_cents=99,
    )
    barcode_attach(product=other, code="3038350013804")
    assert product_find_by_barcode(world.store_b, "3038350013804").product == other


def test_a_upc_a_and_its_ean13_form_find_the_same_product(world, rayon):
    product = make_product(world, rayon)
    barcode = barcode_attach(product=product, code="036000291452")
    assert barcode.code == "0036000291452" and barcode.kind == BarcodeKind.UPCA
    assert product_find_by_barcode(world.store_a, "0036000291452").product == product
    assert product_find_by_barcode(world.store_a, "036000291452").product == product


def test_a_weighed_label_finds_its_product_with_the_weight(world, rayon):
    apples = make_product(world, rayon, "Pommes Golden", unit="kg", price_cents=249)
    lookup = barcode_rules.lookup_code("21", "00042")
    barcode_attach(product=apples, code=lookup)
    label = barcode_rules.encode_scale_code("21", "00042", 1234)
    match = product_find_by_barcode(world.store_a, label)
    assert match.product == apples and match.weight_grams == 1234 and match.price_cents is None
    assert match.code == lookup and match.scanned == label


def test_a_priced_label_follows_the_shops_own_layout(world, rayon):
    catalog_settings_update(
        store=world.store_a,
        actor=world.alice,
        scale_layout={
            "weight_prefixes": ["28"],
            "price_prefixes": ["29"],
            "reference_digits": 4,
            "value_digits": 5,
            "price_check_digit": True,
        },
    )
    cheese = make_product(world, rayon, "Comté à la coupe", unit="kg", price_cents=1890)
    layout = barcode_rules.parse_scale_layout(
        {
            "weight_prefixes": ["28"],
            "price_prefixes": ["29"],
            "reference_digits": 4,
            "value_digits": 5,
            "price_check_digit": True,
        }
    )
    barcode_attach(product=cheese, code=barcode_rules.lookup_code("29", "0007", layout))
    label = barcode_rules.encode_scale_code("29", "0007", 456, layout)
    match = product_find_by_barcode(world.store_a, label)
    assert match.product == cheese and match.price_cents == 456
    # Under the default layout prefix 21 is no longer a weight prefix in this shop.
    assert (
        product_find_by_barcode(world.store_a, barcode_rules.encode_scale_code("21", "00007", 456))
        is None
    )


def test_a_full_scale_label_cannot_be_registered_as_a_product_code(world, rayon):
    product = make_product(world, rayon, unit="kg")
    with pytest.raises(ValidationError) as error:
        barcode_attach(product=product, code=barcode_rules.encode_scale_code("21", "00042", 10))
    assert "code de référence" in str(error.value)


def test_an_internal_code_is_given_once_and_is_unique(world, rayon):
    first = make_product(world, rayon, "Carottes vrac")
    second = make_product(world, rayon, "Oignons")
    code_a = product_assign_internal_code(product=first).code
    assert product_assign_internal_code(product=first).code == code_a
    code_b = product_assign_internal_code(product=second).code
    assert code_a != code_b
    assert barcode_rules.classify(code_a) == "internal" and barcode_rules.is_valid_gtin(code_b)
    assert product_find_by_barcode(world.store_a, code_b).product == second


def test_a_price_change_is_audited_and_bumps_updated_at(world, rayon):
    product = make_product(world, rayon)
    before = product.updated_at
    product_update(product=product, actor=world.alice, data={"price_cents": 149})
    event = AuditEvent.objects.filter(action="catalog.product_price_changed").get()
    assert event.changes == {"price_cents": [129, 149]}
    assert product.updated_at >= before


def test_archiving_keeps_the_product_and_marks_it_inactive(world, rayon):
    product = make_product(world, rayon)
    product_archive(product=product, actor=world.alice)
    product.refresh_from_db()
    assert product.active is False
    assert AuditEvent.objects.filter(action="catalog.product_archived").count() == 1


def test_a_programme_product_needs_its_programme_code(world, rayon):
    with pytest.raises(ValidationError) as error:
        make_product(world, rayon, origin="programme")
    assert "programme" in error.value.message_dict
    product = make_product(world, rayon, origin="programme", programme="FSE+")
    assert product.tariff_origin == "programme:FSE+"


def test_categories_have_two_levels_at_most(world, rayon):
    with pytest.raises(ValidationError):
        category_create(store=world.store_a, name="Trop profond", parent=rayon)
