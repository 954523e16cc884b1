"""A shop with products, lots and households, and tickets built the way a till builds them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.stock.services import lot_receive
from cabas.gestion.stores.models import Store
from cabas.protocol.till_tickets import product_line, till_ticket
from cabas.rules.pricing import FULL_RATE_BP
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.pos.conftest import Till, enroll_till, till_a, till_b  # noqa: F401

SHOP_RATE_BP = 2000  # BeneficiarySettings' default


@dataclass
class Shop:
    store: Store
    pasta: Product
    tomatoes: Product
    milk: Product
    household: Household
    cashier_id: int


def make_shop(store: Store, cashier_id: int, prefix: str = "") -> Shop:
    rayon = category_create(store=store, name=f"{prefix}Épicerie")
    pasta = product_create(
        store=store,
        actor=None,
        name=f"{prefix}Spaghetti",
        category=rayon,
        price_cents=150,
        barcodes=[_ean(store.pk, 1)],
    )
    tomatoes = product_create(
        store=store, actor=None, name=f"{prefix}Tomates", category=rayon, price_cents=299, unit="kg"
    )
    milk = product_create(
        store=store,
        actor=None,
        name=f"{prefix}Lait",
        category=rayon,
        price_cents=100,
        barcodes=[_ean(store.pk, 2)],
    )
    today = timezone.localdate()
    for product, quantity in ((pasta, 50), (tomatoes, 20_000), (milk, 30)):
        lot_receive(
            store=store,
            product=product,
            quantity=quantity,
            actor=None,
            dlc=today + timedelta(days=30),
        )
    household = make_household(
        store,
        admit=(today - timedelta(days=60), today + timedelta(days=300)),
        monthly_budget_cents=5000,
    )
    return Shop(store, pasta, tomatoes, milk, household, cashier_id)


def _ean(seed: int, number: int) -> str:
    from cabas.rules.barcodes import gtin_check_digit

    body = f"3{seed:05d}{number:06d}"
    return body + str(gtin_check_digit(body))


@pytest.fixture
def shop_a(world) -> Shop:  # type: ignore[no-untyped-def]
    return make_shop(world.store_a, world.store_a.memberships.get(user=world.bob).pk)


@pytest.fixture
def shop_b(world) -> Shop:  # type: ignore[no-untyped-def]
    return make_shop(world.store_b, world.store_b.memberships.get(user=world.charlie).pk, "B ")


def ticket(
    shop: Shop,
    items: list[tuple[Product, int]],
    *,
    household: Household | None | bool = True,
    created_at: str | None = None,
    refund_of: str | None = None,
    ticket_id: str | None = None,
    rate_bp: int | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A ticket as the till makes it: today's prices, the household's tariff."""
    chosen = shop.household if household is True else (household or None)
    rate = rate_bp if rate_bp is not None else (SHOP_RATE_BP if chosen else FULL_RATE_BP)
    lines = [product_line(product, quantity, rate) for product, quantity in items]
    body = till_ticket(
        lines,
        created_at=created_at or timezone.localtime(),
        cashier_id=shop.cashier_id,
        beneficiary_code=chosen.code if chosen else None,
        refund_of=refund_of,
        ticket_id=ticket_id,
    )
    body.update(overrides)
    return body


def today() -> date:
    return timezone.localdate()
