"""Demo sales: four weeks of tickets and cash sessions for each demo shop, sent THROUGH the
ticket intake (so stock and household spending stay consistent with them). Idempotent: a shop
that already has tickets is left as it is."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from cabas.gestion.accounts.models import User
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.selectors import till_status
from cabas.gestion.catalog.models import Product
from cabas.gestion.pos.demo import demo_device
from cabas.gestion.pos.services import cash_session_report
from cabas.gestion.sales.intake import load_context, ticket_batch_ingest
from cabas.gestion.sales.models import Ticket
from cabas.gestion.stores.demo import register
from cabas.gestion.stores.models import Membership, Store
from cabas.protocol import CashSessionReport
from cabas.protocol.till_tickets import product_line, till_ticket
from cabas.rules.pricing import FULL_RATE_BP

DAYS = 28
TICKETS_PER_DAY = (6, 12)
OPENING_FLOAT_CENTS = 5000


@register(85, "historique des ventes (par la réception des tickets)")
def load(store: Store, users: dict[str, User]) -> None:
    if Ticket.objects.filter(store=store).exists():
        return
    products = list(
        Product.objects.filter(store=store, active=True).only(
            "id", "name", "unit", "price_cents", "category_id", "origin", "programme", "rate_bp"
        )
    )
    if not products:
        return
    device = demo_device(store)
    households = list(Household.objects.filter(store=store, anonymised_at__isnull=True))
    cashier = Membership.objects.filter(store=store, user=users.get("caisse")).first()
    context = load_context(store, [])
    rng = random.Random(f"cabas-demo-sales-{store.slug}")  # noqa: S311 - demo data
    zone = ZoneInfo(store.timezone)
    today = timezone.localdate()
    sold: list[dict[str, Any]] = []
    spent: dict[tuple[str, str], int] = {}
    for offset in range(DAYS, 0, -1):
        day = today - timedelta(days=offset)
        if day.weekday() == 6:  # closed on Sundays
            continue
        opened = datetime.combine(day, time(9, 0), tzinfo=zone)
        session_id = uuid.uuid4()
        active = [h for h in households if till_status(h, day) == "active"]
        tickets = []
        for _ in range(rng.randint(*TICKETS_PER_DAY)):
            household = rng.choice(active) if active and rng.random() < 0.75 else None
            ticket = _ticket(rng, context, products, household, cashier, opened, session_id)
            if household is not None:
                key = (household.code, day.strftime("%Y-%m"))
                # Most households keep to their budget; the cashier sees it coming.
                over = spent.get(key, 0) + ticket["total_cents"] > household.monthly_budget_cents
                if over and rng.random() < 0.9:
                    continue
                spent[key] = spent.get(key, 0) + ticket["total_cents"]
            tickets.append(ticket)
        if sold and rng.random() < 0.15:  # now and then a client brings something back
            tickets.append(_refund(rng.choice(sold), opened + timedelta(hours=8), session_id))
        tickets.sort(key=lambda t: t["created_at"])
        for start in range(0, len(tickets), 100):
            ticket_batch_ingest(device=device, raw_tickets=tickets[start : start + 100])
        sold.extend(t for t in tickets if not t.get("refund_of"))
        _session(device, cashier, opened, session_id, tickets, rng)


def _ticket(
    rng: random.Random,
    context: Any,
    products: list[Product],
    household: Household | None,
    cashier: Membership | None,
    opened: datetime,
    session_id: uuid.UUID,
) -> dict[str, Any]:
    lines: list[dict[str, Any]] = []
    for product in rng.sample(products, min(len(products), rng.randint(1, 5))):
        quantity = rng.randint(200, 1500) if product.unit == "kg" else rng.randint(1, 3)
        rate = FULL_RATE_BP
        if household is not None:
            rate = context.tariff.rate_for(
                product.pk,
                context.category_path(product.category_id),
                product.tariff_origin,
                household.rate_bp,
            ).rate_bp
        lines.append(product_line(product, quantity, rate))
    total = sum(line["total_cents"] for line in lines)
    method = "cash" if rng.random() < 0.7 else "card"
    tendered = -(-total // 500) * 500 if method == "cash" and total else None  # up to 5 euros
    return till_ticket(
        lines,
        created_at=opened + timedelta(minutes=rng.randint(5, 8 * 60)),
        cashier_id=cashier.pk if cashier else None,
        beneficiary_code=household.code if household else None,
        cash_session_id=session_id,
        method=method,
        tendered_cents=tendered,
    )


def _refund(original: dict[str, Any], at: datetime, session_id: uuid.UUID) -> dict[str, Any]:
    line = original["lines"][0]
    quantity = -line["quantity"]
    back = {
        **line,
        "quantity": quantity,
        "total_cents": -line["total_cents"],
        "full_price_cents": -line["full_price_cents"],
    }
    return till_ticket(
        [back],
        created_at=at,
        cashier_id=original["cashier_id"],
        beneficiary_code=original["beneficiary_code"],
        cash_session_id=session_id,
        refund_of=original["id"],
    )


def _session(
    device: Any,
    cashier: Membership | None,
    opened: datetime,
    session_id: uuid.UUID,
    tickets: list[dict[str, Any]],
    rng: random.Random,
) -> None:
    expected = {"cash": OPENING_FLOAT_CENTS, "card": 0}
    for ticket in tickets:
        for payment in ticket["payments"]:
            expected[payment["method"]] = (
                expected.get(payment["method"], 0) + payment["amount_cents"]
            )
    # Now and then the drawer is a few coins short (or over).
    counted = dict(expected)
    counted["cash"] = max(0, counted["cash"] + rng.choice([0, 0, 0, 0, -20, -50, 10]))
    opening = {
        "id": str(session_id),
        "opened_at": opened.isoformat(),
        "cashier_id": cashier.pk if cashier else None,
        "opening_float_cents": OPENING_FLOAT_CENTS,
    }
    cash_session_report(device=device, report=CashSessionReport.model_validate(opening))
    closing = {
        **opening,
        "closed_at": (opened + timedelta(hours=9)).isoformat(),
        "closing_cashier_id": opening["cashier_id"],
        "counted": [{"method": m, "amount_cents": a} for m, a in counted.items()],
        "expected": [{"method": m, "amount_cents": a} for m, a in expected.items()],
        "difference_cents": sum(counted.values()) - sum(expected.values()),
        "ticket_count": len(tickets),
    }
    cash_session_report(device=device, report=CashSessionReport.model_validate(closing))
