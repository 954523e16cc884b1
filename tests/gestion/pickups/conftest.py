"""A shop set up for collections: families (one chilled), their bulk products, a product
with a barcode, and two donor shops (one valued per kilo, one declaring its values)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.pickups.models import Collection, DonorShop, PickupCategory
from cabas.gestion.pickups.services import (
    LineEntry,
    collection_line_add,
    collection_start,
    collection_validate,
    donor_create,
    donor_rates_set,
    pickup_category_create,
)
from cabas.gestion.stores.models import Store
from cabas.rules.barcodes import gtin_check_digit

# Real SIRENs of the Luhn kind (INSEE's examples).
SIREN_PER_KG = "732829320"
SIREN_DECLARED = "552100554"


def ean(seed: int, number: int) -> str:
    body = f"4{seed:05d}{number:06d}"
    return body + str(gtin_check_digit(body))


@dataclass
class Pickups:
    store: Store
    produce: PickupCategory
    chilled: PickupCategory
    yoghurt: Product
    produce_bulk: Product
    chilled_bulk: Product
    per_kg: DonorShop
    declared: DonorShop


def make_pickups(store: Store, prefix: str = "") -> Pickups:
    rayon = category_create(store=store, name=f"{prefix}Ramasse")
    produce_bulk = product_create(
        store=store,
        actor=None,
        name=f"{prefix}Fruits et légumes de ramasse",
        category=rayon,
        price_cents=100,
        unit="kg",
    )
    chilled_bulk = product_create(
        store=store,
        actor=None,
        name=f"{prefix}Frais de ramasse",
        category=rayon,
        price_cents=200,
        unit="kg",
    )
    yoghurt = product_create(
        store=store,
        actor=None,
        name=f"{prefix}Yaourts nature x4",
        category=rayon,
        price_cents=180,
        barcodes=[ean(store.pk, 1)],
    )
    produce = pickup_category_create(
        store=store,
        actor=None,
        data={"name": "Fruits et légumes", "value_per_kg_cents": 250, "bulk_product": produce_bulk},
    )
    chilled = pickup_category_create(
        store=store,
        actor=None,
        data={
            "name": "Produits frais",
            "chilled": True,
            "max_temperature_tenths": 40,
            "value_per_kg_cents": 500,
            "bulk_product": chilled_bulk,
        },
    )
    per_kg = donor_create(
        store=store,
        actor=None,
        data={
            "name": f"{prefix}Supermarché du Centre",
            "siren": SIREN_PER_KG,
            "address": "1 place du Marché",
            "postal_code": "69001",
            "city": "Lyon",
            "valuation": "per_kg",
        },
    )
    # Its own figure for fresh goods; fruit and vegetables at the family's value.
    donor_rates_set(donor=per_kg, actor=None, rates={chilled: 640})
    declared = donor_create(
        store=store,
        actor=None,
        data={
            "name": f"{prefix}Boulangerie Martin",
            "siren": SIREN_DECLARED,
            "address": "3 rue du Four",
            "postal_code": "69002",
            "city": "Lyon",
            "valuation": "declared",
        },
    )
    return Pickups(store, produce, chilled, yoghurt, produce_bulk, chilled_bulk, per_kg, declared)


@pytest.fixture
def pickups_a(world) -> Pickups:  # type: ignore[no-untyped-def]
    return make_pickups(world.store_a)


@pytest.fixture
def pickups_b(world) -> Pickups:  # type: ignore[no-untyped-def]
    return make_pickups(world.store_b, "B ")


def validated_round(
    pickups: Pickups, donor: DonorShop, entries: list[dict[str, Any]], *, days_ago: int = 0
) -> Collection:
    collection = collection_start(
        store=pickups.store,
        donor=donor,
        actor=None,
        collected_at=timezone.now() - timedelta(days=days_ago),
    )
    for values in entries:
        collection_line_add(collection=collection, entry=LineEntry(**values), actor=None)
    return collection_validate(collection=collection, actor=None)
