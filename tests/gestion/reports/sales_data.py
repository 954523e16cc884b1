"""A small known data set of sales, sent the way tills send them (the real intake service).

Shop A (Europe/Paris), tariff 20 % for households, full price without a card:

=====  =====================  =====  =================================  ======  =====
ticket when (local)            who    lines                              paid    full
=====  =====================  =====  =================================  ======  =====
T1     05/01/2026 10:00        H1     4 spaghetti, 1.5 kg apples         210     1050
T2     31/01/2026 23:30        H1     2 rice                             80      400
T3     20/01/2026 11:00        H2     1 soap, 2 spaghetti                110     550
T4     20/01/2026 15:00 till 2 —      1 spaghetti (card)                 150     150
T5     25/01/2026 09:00        H2     refund of T3: −1 spaghetti         −30     −150
T6     01/02/2026 00:30        H1     1 spaghetti                        30      150
T7     10/02/2026 10:00        H2     1 rice                             40      200
=====  =====================  =====  =================================  ======  =====

H1: 2 adults + 1 child, Lyon, rights 01/12/2025–31/05/2026.
H2: 1 adult, Villeurbanne, rights 10/01/2026–31/01/2026 (admitted and gone in January).
H3: 2 adults + 3 children, Lyon, rights 15/01/2026–31/12/2026, no ticket.
T6 is 23:30 UTC on 31 January: it belongs to February in the shop's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.catalog.models import Product
from cabas.gestion.stores.models import Store
from cabas.protocol.till_tickets import product_line, till_ticket
from cabas.rules.pricing import FULL_RATE_BP
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.pos.conftest import enroll_till
from tests.gestion.reports.conftest import Catalogue, local, make_catalogue

# The tills' ticket intake (the sales app); until it is installed these tests cannot run.
intake = pytest.importorskip("cabas.gestion.sales.intake", reason="sales intake not installed")

RATE_BP = 2000


@dataclass
class SalesWorld:
    store: Store
    c: Catalogue
    h1: Household
    h2: Household
    h3: Household
    tickets: dict[str, str]  # "T1" → ticket id
    till1: Any
    till2: Any


def _ticket(
    *,
    cashier_id: int,
    when: datetime,
    household: Household | None,
    items: list[tuple[Product, int]],
    method: str = "cash",
    refund_of: str | None = None,
) -> dict[str, Any]:
    rate = RATE_BP if household else FULL_RATE_BP
    return till_ticket(
        [product_line(product, quantity, rate) for product, quantity in items],
        created_at=when,
        cashier_id=cashier_id,
        beneficiary_code=household.code if household else None,
        method=method,
        refund_of=refund_of,
    )


def make_sales_world(world: Any) -> SalesWorld:
    store = world.store_a
    c = make_catalogue(store)
    h1 = make_household(
        store,
        last_name="Martin",
        adults=2,
        children=1,
        commune="Lyon",
        admit=(date(2025, 12, 1), date(2026, 5, 31)),
        monthly_budget_cents=10_000,
    )
    h2 = make_household(
        store,
        last_name="Durand",
        adults=1,
        children=0,
        commune="Villeurbanne",
        admit=(date(2026, 1, 10), date(2026, 1, 31)),
        monthly_budget_cents=10_000,
    )
    h3 = make_household(
        store,
        last_name="Petit",
        adults=2,
        children=3,
        commune="Lyon",
        admit=(date(2026, 1, 15), date(2026, 12, 31)),
        monthly_budget_cents=10_000,
    )
    till1 = enroll_till(store, "Caisse 1")
    till2 = enroll_till(store, "Caisse 2")
    bob = store.memberships.get(user=world.bob).pk
    alice = store.memberships.get(user=world.alice).pk
    t: dict[str, dict[str, Any]] = {}
    t["T1"] = _ticket(
        cashier_id=bob,
        when=local(2026, 1, 5, 10),
        household=h1,
        items=[(c.pasta, 4), (c.apples, 1500)],
    )
    t["T2"] = _ticket(
        cashier_id=bob, when=local(2026, 1, 31, 23, 30), household=h1, items=[(c.rice, 2)]
    )
    t["T3"] = _ticket(
        cashier_id=bob, when=local(2026, 1, 20, 11), household=h2, items=[(c.soap, 1), (c.pasta, 2)]
    )
    t["T5"] = _ticket(
        cashier_id=bob,
        when=local(2026, 1, 25, 9),
        household=h2,
        items=[(c.pasta, -1)],
        refund_of=t["T3"]["id"],
    )
    t["T6"] = _ticket(
        cashier_id=bob, when=local(2026, 2, 1, 0, 30), household=h1, items=[(c.pasta, 1)]
    )
    t["T7"] = _ticket(
        cashier_id=bob, when=local(2026, 2, 10, 10), household=h2, items=[(c.rice, 1)]
    )
    t4 = _ticket(
        cashier_id=alice,
        when=local(2026, 1, 20, 15),
        household=None,
        items=[(c.pasta, 1)],
        method="card",
    )
    results = intake.ticket_batch_ingest(device=till1.device, raw_tickets=list(t.values()))
    results += intake.ticket_batch_ingest(device=till2.device, raw_tickets=[t4])
    assert [r.status for r in results] == ["created"] * 7, results
    t["T4"] = t4
    return SalesWorld(
        store=store,
        c=c,
        h1=h1,
        h2=h2,
        h3=h3,
        tickets={k: v["id"] for k, v in t.items()},
        till1=till1,
        till2=till2,
    )
