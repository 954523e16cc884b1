"""The data migrations that give yesterday's rows the funders' origins (run against today's
models, which have the fields the migrations touch)."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.utils import timezone

from cabas.gestion.catalog.models import Product
from cabas.gestion.purchasing.models import Delivery, DeliveryKind
from cabas.gestion.stock.models import Lot, StockMovement

catalog_0008 = importlib.import_module("cabas.gestion.catalog.migrations.0008_funders_origins")
stock_0006 = importlib.import_module("cabas.gestion.stock.migrations.0006_funders_origins")
purchasing_0002 = importlib.import_module(
    "cabas.gestion.purchasing.migrations.0002_funders_origins"
)
stock_0007 = importlib.import_module("cabas.gestion.stock.migrations.0007_movement_grams")


def test_programme_fse_becomes_eu_aid_and_food_bank_gifts_become_food_bank(shop):  # type: ignore[no-untyped-def]
    store = shop.world.store_a
    Product.objects.filter(pk=shop.oil.pk).update(origin="programme", programme="FSE+")
    Product.objects.filter(pk=shop.rice.pk).update(origin="programme", programme="CNES")
    gift = Delivery.objects.create(
        store=store,
        kind=DeliveryKind.DONATION,
        supplier=shop.food_bank,
        origin="donation",
        received_at=timezone.now(),
    )
    lot = Lot.objects.create(
        store=store,
        product=shop.pasta,
        received_at=timezone.now(),
        origin="donation",
        source_document_type="purchasing.delivery",
        source_document_id=str(gift.pk),
    )
    oil_lot = Lot.objects.create(
        store=store, product=shop.oil, received_at=timezone.now(), origin="programme"
    )

    catalog_0008.programme_to_eu_aid(apps, None)
    stock_0006.programme_lots(apps, None)
    purchasing_0002.detailed_origins(apps, None)

    assert Product.objects.get(pk=shop.oil.pk).origin == "eu_aid"
    assert Product.objects.get(pk=shop.rice.pk).origin == "programme"  # national: stays
    gift.refresh_from_db()
    lot.refresh_from_db()
    oil_lot.refresh_from_db()
    assert (gift.origin, lot.origin) == ("food_bank", "food_bank")
    assert (oil_lot.origin, oil_lot.programme) == ("eu_aid", "FSE+")
    # The tariff key, and so the price ceiling, does not move.
    assert Product.objects.get(pk=shop.oil.pk).tariff_origin == "programme:FSE+"


def test_the_kg_movements_of_yesterday_get_their_grams(shop):  # type: ignore[no-untyped-def]
    from cabas.gestion.stock.services import lot_receive

    lot_receive(store=shop.world.store_a, product=shop.apples, quantity=2_500, actor=None)
    StockMovement.objects.update(grams=None)
    stock_0007.weigh_kg_movements(apps, None)
    assert list(StockMovement.objects.values_list("grams", flat=True)) == [2_500]
