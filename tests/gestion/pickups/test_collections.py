"""Collection rounds: lines checked at the back door, valued by the donor's rule, and put in
stock as donated lots of origin ramasse when the round is validated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabas.gestion.catalog.models import Origin, Product
from cabas.gestion.pickups.models import Collection, CollectionState, DonorShop
from cabas.gestion.pickups.services import (
    LineEntry,
    collection_line_add,
    collection_start,
    collection_validate,
)
from cabas.gestion.stock.models import Lot, MovementKind, StockMovement
from tests.gestion.pickups.conftest import SIREN_PER_KG, ean, validated_round

pytestmark = pytest.mark.django_db


def level(product: Product) -> int:
    return Product.objects.get(pk=product.pk).stock_qty


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_validated_round_puts_the_accepted_goods_in_stock_as_ramasse(pickups_a):
    soon = timezone.localdate() + timedelta(days=5)
    collection = validated_round(
        pickups_a,
        pickups_a.per_kg,
        [
            {
                "category": pickups_a.produce,
                "weight_grams": 12_500,
                "refused_grams": 1_500,
                "refused_reason": "spoiled",
            },
            {
                "category": pickups_a.chilled,
                "weight_grams": 2_400,
                "product": pickups_a.yoghurt,
                "quantity": 6,
                "dlc": soon,
                "temperature_tenths": 35,
            },
            {
                "category": pickups_a.chilled,
                "weight_grams": 0,
                "refused_grams": 3_000,
                "refused_reason": "cold_chain",
                "temperature_tenths": 92,
            },
        ],
    )
    assert collection.state == CollectionState.VALIDATED
    assert level(pickups_a.produce_bulk) == 12_500
    assert level(pickups_a.yoghurt) == 6
    assert level(pickups_a.chilled_bulk) == 0  # refused: never in stock
    lots = Lot.objects.filter(store=pickups_a.store).order_by("id")
    assert [(lot.product_id, lot.quantity, lot.origin, lot.source_label) for lot in lots] == [
        (pickups_a.produce_bulk.pk, 12_500, Origin.SUPERMARKET, "Supermarché du Centre"),
        (pickups_a.yoghurt.pk, 6, Origin.SUPERMARKET, "Supermarché du Centre"),
    ]
    assert lots[1].dlc == soon
    movements = StockMovement.objects.filter(store=pickups_a.store)
    assert set(movements.values_list("kind", "document_type", "document_id")) == {
        (MovementKind.DONATION, "pickups.collection", str(collection.pk))
    }
    values = list(collection.lines.order_by("id").values_list("valuation", "value_cents"))
    # 12.5 kg at the family's 2.50 €/kg; 2.4 kg at the donor's own 6.40 €/kg; nothing refused.
    assert values == [("per_kg", 3125), ("per_kg", 1536), ("per_kg", 0)]


def test_a_donor_that_declares_its_values_is_valued_as_declared(pickups_a):
    collection = validated_round(
        pickups_a,
        pickups_a.declared,
        [{"category": pickups_a.produce, "weight_grams": 8_000, "declared_value_cents": 2_190}],
    )
    assert list(collection.lines.values_list("valuation", "value_cents")) == [("declared", 2190)]
    draft = collection_start(store=pickups_a.store, donor=pickups_a.declared, actor=None)
    with pytest.raises(ValidationError, match="déclare ses valeurs"):
        collection_line_add(
            collection=draft,
            entry=LineEntry(category=pickups_a.produce, weight_grams=1_000),
            actor=None,
        )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"temperature_tenths": None}, "notez la température"),
        ({"temperature_tenths": 61}, "chaîne du froid est rompue"),
        ({"temperature_tenths": 850}, "pas une température plausible"),
        ({"dlc": "yesterday"}, "déjà dépassée : refusez"),
        ({"weight_grams": -5}, "ne peut pas être négatif"),
        ({"weight_grams": 0}, "Indiquez le poids"),
        ({"weight_grams": 10**15}, "plus que le maximum"),
        ({"refused_grams": 500}, "Dites pourquoi"),
        ({"product": "yoghurt", "quantity": None}, "nombre de pièces"),
        ({"product": "yoghurt", "quantity": 10**12}, "plus que le maximum"),
    ],
)
def test_the_back_door_checks_refuse_a_wrong_line(pickups_a, values, message):
    collection = collection_start(store=pickups_a.store, donor=pickups_a.per_kg, actor=None)
    entry = {"category": pickups_a.chilled, "weight_grams": 1_000, "temperature_tenths": 30}
    entry.update(values)
    if entry.get("dlc") == "yesterday":
        entry["dlc"] = timezone.localdate() - timedelta(days=1)
    if entry.get("product") == "yoghurt":
        entry["product"] = pickups_a.yoghurt
    with pytest.raises(ValidationError, match=message):
        collection_line_add(collection=collection, entry=LineEntry(**entry), actor=None)
    assert not collection.lines.exists()


def test_a_crate_without_product_needs_the_familys_product(pickups_a):
    pickups_a.produce.bulk_product = None
    pickups_a.produce.save(update_fields=["bulk_product"])
    collection = collection_start(store=pickups_a.store, donor=pickups_a.per_kg, actor=None)
    with pytest.raises(ValidationError, match="Indiquez le produit"):
        collection_line_add(
            collection=collection,
            entry=LineEntry(category=pickups_a.produce, weight_grams=3_000),
            actor=None,
        )


def test_a_validated_round_takes_no_more_lines(pickups_a):
    collection = validated_round(
        pickups_a, pickups_a.per_kg, [{"category": pickups_a.produce, "weight_grams": 1_000}]
    )
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        collection_line_add(
            collection=collection,
            entry=LineEntry(category=pickups_a.produce, weight_grams=1_000),
            actor=None,
        )
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        collection_validate(collection=collection, actor=None)
    assert level(pickups_a.produce_bulk) == 1_000


def test_the_phone_page_adds_a_line_and_validates_the_round(world, pickups_a):
    client = signed_in(world.diane)
    response = client.post(reverse("pickups:collection_start"), {"donor": pickups_a.per_kg.pk})
    collection = Collection.objects.get()
    assert response["Location"] == reverse("pickups:collection_detail", args=[collection.pk])
    url = response["Location"]
    response = client.post(
        url,
        {
            "category": pickups_a.chilled.pk,
            "code": ean(pickups_a.store.pk, 1),
            "quantity": "8",
            "weight": "3,2",
            "date_kind": "dlc",
            "date": (timezone.localdate() + timedelta(days=4)).isoformat(),
            "temperature": "3,5",
            "refused": "0,4",
            "refused_reason": "damaged",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Ligne ajoutée : Produits frais, 3,2\u00a0kg." in page
    line = collection.lines.get()
    assert (line.product, line.quantity, line.weight_grams, line.refused_grams) == (
        pickups_a.yoghurt,
        8,
        3_200,
        400,
    )
    assert line.temperature_tenths == 35
    client.post(reverse("pickups:collection_validate", args=[collection.pk]))
    assert level(pickups_a.yoghurt) == 8


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weight": "-3"}, "Un poids ne peut pas être négatif."),
        ({"weight": "1e30"}, "Ce poids n&#x27;est pas plausible"),
        ({"weight": "douze"}, "Un poids en kg, par exemple 12,5."),
        ({"weight": "1,2345"}, "Au plus trois décimales"),
        ({"temperature": "350"}, "n&#x27;est pas une température plausible"),
        ({"temperature": "-9999"}, "Ce n&#x27;est pas une température plausible"),
        ({"temperature": "9" * 40}, "au plus 8 caractères"),
        ({"temperature": "3,55"}, "Au dixième de degré près"),
        ({"date": "9999-12-31"}, "Choisissez une date entre 2000 et 2100."),
        ({"code": "123"}, "Aucun produit de l&#x27;épicerie n&#x27;a ce code-barres."),
        (
            {"code": "X", "quantity": "9" * 30},
            "Assurez-vous que cette valeur est inférieure ou égale à 1000000.",
        ),
        ({"category": "9" * 30}, "Sélectionnez un choix valide"),
        ({"temperature": "12"}, "la chaîne du froid est rompue"),
    ],
)
def test_bad_input_on_the_phone_page_gets_a_french_message(world, pickups_a, data, message):
    collection = collection_start(store=pickups_a.store, donor=pickups_a.per_kg, actor=None)
    body = {
        "category": pickups_a.chilled.pk,
        "weight": "2",
        "date_kind": "dlc",
        "date": (timezone.localdate() + timedelta(days=4)).isoformat(),
        "temperature": "3",
        **data,
    }
    response = signed_in(world.diane).post(
        reverse("pickups:collection_detail", args=[collection.pk]), body
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not collection.lines.exists()


@pytest.mark.parametrize(
    ("siren", "message"),
    [
        ("732829321", "clé de contrôle est fausse"),
        ("12345", "Un SIREN a 9 chiffres"),
        ("9" * 60, "au plus 20 caractères"),
        ("SIREN?", "que des chiffres"),
    ],
)
def test_a_donor_with_a_wrong_siren_gets_a_french_message(world, siren, message):
    response = signed_in(world.alice).post(
        reverse("pickups:donor_create"),
        {
            "name": "Hyper Sud",
            "siren": siren,
            "address": "Zone commerciale",
            "postal_code": "13000",
            "city": "Marseille",
            "valuation": "per_kg",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DonorShop.objects.exists()


def test_a_donor_is_recorded_with_its_siren_without_spaces(world):
    response = signed_in(world.diane).post(
        reverse("pickups:donor_create"),
        {
            "name": "Hyper Sud",
            "siren": "732 829 320",
            "address": "Zone commerciale",
            "postal_code": "13000",
            "city": "Marseille",
            "valuation": "per_kg",
            "active": "on",
        },
    )
    donor = DonorShop.objects.get()
    assert response["Location"] == reverse("pickups:donor_edit", args=[donor.pk])
    assert donor.siren == SIREN_PER_KG and donor.store == world.store_a


def test_absurd_rates_get_a_french_message(world, pickups_a):
    client = signed_in(world.alice)
    response = client.post(
        reverse("pickups:donor_edit", args=[pickups_a.per_kg.pk]),
        {"rates": "1", f"rate_{pickups_a.produce.pk}": "99999999999"},
    )
    assert "montant trop élevé" in response.content.decode()
    response = client.post(
        reverse("pickups:category_edit", args=[pickups_a.produce.pk]),
        {"name": "Fruits", "value_per_kg_cents": "5000", "position": "1", "active": "on"},
    )
    assert "Une valeur au kilo entre 0 et 1 000 €" in response.content.decode()


def test_charlie_can_neither_see_nor_use_alices_donors_and_rounds(world, pickups_a, pickups_b):
    collection = validated_round(
        pickups_a, pickups_a.per_kg, [{"category": pickups_a.produce, "weight_grams": 5_000}]
    )
    client = signed_in(world.charlie)
    assert (
        ">Supermarché du Centre<" not in client.get(reverse("pickups:donor_list")).content.decode()
    )
    assert client.get(reverse("pickups:collection_detail", args=[collection.pk])).status_code == 404
    response = client.post(reverse("pickups:collection_start"), {"donor": pickups_a.per_kg.pk})
    assert not Collection.objects.filter(store=world.store_b).exists()
    assert response.status_code == 302
    with pytest.raises(ValidationError):
        collection_start(store=world.store_b, donor=pickups_a.per_kg, actor=world.charlie)
    draft = collection_start(store=world.store_b, donor=pickups_b.per_kg, actor=world.charlie)
    with pytest.raises(ValidationError, match="Cette famille n'existe pas"):
        collection_line_add(
            collection=draft,
            entry=LineEntry(category=pickups_a.produce, weight_grams=1_000),
            actor=world.charlie,
        )
    response = client.post(
        reverse("pickups:collection_detail", args=[draft.pk]),
        {"category": pickups_a.produce.pk, "weight": "1"},
    )
    assert "Sélectionnez un choix valide" in response.content.decode()
    certificate = reverse("pickups:certificate", args=[pickups_a.per_kg.pk, 2026])
    assert client.get(certificate).status_code == 404
