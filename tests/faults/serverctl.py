"""Server-side helper of the fault harness, run in a subprocess against the harness's own
database (``DATABASE_URL``): it seeds a shop through the real services and reads back what the
server stored, so that the tests compare what the tills sent with what the database holds.

    python -m tests.faults.serverctl seed --slug SLUG --tills N [--households H]
    python -m tests.faults.serverctl verify --slug SLUG

Both print one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from typing import Any

PIN = "4827"
PRODUCTS = 8
INITIAL_STOCK = 1_000_000  # pieces per product: never the limit, the stock goes negative anyway
BUDGET_CENTS = 100_000_000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabas.gestion.settings")
    import django

    django.setup()


def seed(slug: str, tills: int, households: int) -> dict[str, Any]:
    from django.utils import timezone

    from cabas.gestion.beneficiaries.services import household_create, rights_admit
    from cabas.gestion.catalog.services import (
        catalog_settings_get_or_create,
        category_create,
        product_create,
    )
    from cabas.gestion.pos.services import cashier_pin_set, enrollment_code_create
    from cabas.gestion.stock.services import lot_receive
    from cabas.gestion.stores.permissions import Role
    from cabas.gestion.stores.services import person_add, store_create
    from cabas.rules.barcodes import gtin_check_digit

    store = store_create(slug=slug, name=f"Épicerie {slug}")
    # A stock that is never the limit: above the bound a shop keeps against typing errors.
    limits = catalog_settings_get_or_create(store=store)
    limits.max_entry_pieces = INITIAL_STOCK
    limits.save(update_fields=["max_entry_pieces"])
    cashier = person_add(
        store=store,
        actor=None,
        username=f"caisse-{slug}",
        role=Role.CASHIER,
        first_name="Camille",
        password="correct-horse-battery-42",
    )
    cashier_pin_set(membership=cashier, actor=None, pin=PIN)
    rayon = category_create(store=store, name="Épicerie")
    today = timezone.localdate()
    products: dict[str, int] = {}
    prices: dict[str, int] = {}
    for number in range(1, PRODUCTS + 1):
        body = f"2{store.pk:05d}{number:06d}"
        product = product_create(
            store=store,
            actor=None,
            name=f"Produit {number}",
            category=rayon,
            price_cents=50 * number + 15,
            barcodes=[body + str(gtin_check_digit(body))],
        )
        lot_receive(
            store=store,
            product=product,
            quantity=INITIAL_STOCK,
            actor=None,
            dlc=today + timedelta(days=60),
        )
        products[str(product.pk)] = INITIAL_STOCK
        prices[str(product.pk)] = product.price_cents
    codes = []
    for number in range(households):
        household = household_create(
            store=store,
            actor=None,
            data={
                "last_name": f"Foyer{number}",
                "first_name": "Test",
                "monthly_budget_cents": BUDGET_CENTS,
            },
        )
        rights_admit(household=household, actor=None, start=today - timedelta(days=30), months=11)
        household.refresh_from_db()
        codes.append(household.code)
    return {
        "store_id": store.pk,
        "cashier_id": cashier.pk,
        "pin": PIN,
        "products": products,
        "prices": prices,
        "households": codes,
        "enrollment_codes": [enrollment_code_create(store=store).code for _ in range(tills)],
    }


def verify(slug: str) -> dict[str, Any]:
    from django.db.models import Sum

    from cabas.gestion.beneficiaries.models import MonthlySpending
    from cabas.gestion.catalog.models import Product
    from cabas.gestion.sales.models import Ticket, TicketLine
    from cabas.gestion.stock.selectors import stock_levels_check
    from cabas.gestion.stores.models import Store

    store = Store.objects.get(slug=slug)
    tickets = list(Ticket.objects.filter(store=store).values_list("id", flat=True))
    sold = {
        str(row["product_id"]): int(row["total"])
        for row in TicketLine.objects.filter(store=store, product__isnull=False)
        .values("product_id")
        .annotate(total=Sum("quantity"))
    }
    stock = {
        str(pk): int(qty)
        for pk, qty in Product.objects.filter(store=store).values_list("pk", "stock_qty")
    }
    spent_by_tickets: dict[str, int] = {}
    for code, month, total in Ticket.objects.filter(
        store=store, household__isnull=False
    ).values_list("household__code", "month", "total_cents"):
        key = f"{code}|{month}"
        spent_by_tickets[key] = spent_by_tickets.get(key, 0) + int(total)
    spending = {
        f"{code}|{month}": int(spent)
        for code, month, spent in MonthlySpending.objects.filter(store=store).values_list(
            "household__code", "month", "spent_cents"
        )
        if spent
    }
    return {
        "ticket_ids": sorted(str(pk) for pk in tickets),
        "sold": sold,
        "stock": stock,
        "spending": spending,
        "spent_by_tickets": spent_by_tickets,
        "ledger_differences": len(stock_levels_check(store=store)),
    }


def report(slug: str) -> dict[str, Any]:
    """What the reports see, read where the reports read (`reporting_database()`)."""
    from django.utils import timezone

    from cabas.gestion.core.routers import reporting_database
    from cabas.gestion.reports.stock_selectors import product_levels_at
    from cabas.gestion.sales.models import Ticket
    from cabas.gestion.stores.models import Store

    database = reporting_database()
    store = Store.objects.using(database).get(slug=slug)
    levels = product_levels_at(store, timezone.localdate() + timedelta(days=1))
    return {
        "database": database,
        "tickets": Ticket.objects.using(database).filter(store=store).count(),
        "levels": {str(pk): int(qty) for pk, qty in levels.items()},
    }


def seed_code(slug: str) -> dict[str, Any]:
    from cabas.gestion.pos.services import enrollment_code_create
    from cabas.gestion.stores.models import Store

    return {"code": enrollment_code_create(store=Store.objects.get(slug=slug)).code}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="serverctl")
    sub = parser.add_subparsers(dest="command", required=True)
    seed_parser = sub.add_parser("seed")
    seed_parser.add_argument("--slug", required=True)
    seed_parser.add_argument("--tills", type=int, default=1)
    seed_parser.add_argument("--households", type=int, default=3)
    verify_parser = sub.add_parser("verify")
    verify_parser.add_argument("--slug", required=True)
    report_parser = sub.add_parser("report")
    report_parser.add_argument("--slug", required=True)
    code_parser = sub.add_parser("seed-code")
    code_parser.add_argument("--slug", required=True)
    args = parser.parse_args(argv)
    _setup()
    if args.command == "seed":
        result = seed(args.slug, args.tills, args.households)
    elif args.command == "report":
        result = report(args.slug)
    elif args.command == "seed-code":
        result = seed_code(args.slug)
    else:
        result = verify(args.slug)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
