"""`cabas demo` for purchasing: suppliers, donors, orders in every state, deliveries; twice is
the same as once."""

from __future__ import annotations

import pytest

from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.purchasing.demo import load_purchasing
from cabas.gestion.purchasing.models import (
    Delivery,
    DeliveryKind,
    EmailState,
    OrderState,
    OutgoingEmail,
    PurchaseOrder,
    Supplier,
    SupplierKind,
)
from cabas.gestion.stock.models import Lot

pytestmark = pytest.mark.django_db


def test_the_demo_has_every_order_state_and_both_donors_and_is_idempotent(world) -> None:
    store = world.store_a
    rayon = category_create(store=store, name="Épicerie")
    fruits = category_create(store=store, name="Fruits")
    for i in range(40):
        product_create(
            store=store,
            actor=None,
            name=f"Produit {i:02d}",
            category=rayon,
            price_cents=100 + i,
            min_stock=10,
            max_stock=40,
        )
    for name in ("Pommes", "Carottes"):
        product_create(
            store=store, actor=None, name=name, category=fruits, price_cents=250, unit="kg"
        )
    users = {"stock": world.diane, "responsable": world.alice, "caisse": world.bob}
    load_purchasing(store, users)
    counts = (
        Supplier.objects.count(),
        PurchaseOrder.objects.count(),
        Delivery.objects.count(),
        Lot.objects.count(),
    )
    load_purchasing(store, users)
    assert counts == (
        Supplier.objects.count(),
        PurchaseOrder.objects.count(),
        Delivery.objects.count(),
        Lot.objects.count(),
    )
    assert set(PurchaseOrder.objects.values_list("state", flat=True)) == set(OrderState.values)
    assert PurchaseOrder.objects.filter(remainder_cancelled_at__isnull=False).exists()
    sent_states = [OrderState.SENT, OrderState.PARTLY_RECEIVED, OrderState.RECEIVED]
    assert not PurchaseOrder.objects.filter(state__in=sent_states, sent_at__isnull=True).exists()
    kinds = set(Supplier.objects.values_list("kind", flat=True))
    assert {SupplierKind.FOOD_BANK, SupplierKind.PROGRAMME, SupplierKind.SUPPLIER} <= kinds
    assert Lot.objects.filter(origin="eu_aid", source_label__startswith="FSE+").exists()
    assert Delivery.objects.filter(kind=DeliveryKind.DONATION).count() == 2
    assert not OutgoingEmail.objects.exclude(state=EmailState.SENT).exists()
