"""Reports at scale: one shop, N ticket lines over two years (1,000,000 by default), the
monthly activity report and the statistics queries timed next to the bare SQL computing the
same figures, in the same run.

    .venv/bin/python bench/reports.py --database-url postgres://postgres@127.0.0.1:5432/cabas_bench
    .venv/bin/python bench/reports.py --small          # 20,000 lines, SQLite in a temp folder

The database named by --database-url is created if missing and its shop "bench-reports" is
rebuilt from scratch (raw multi-row INSERT, or COPY on PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

SLUG = "bench-reports"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--small", action="store_true", help="20,000 lines")
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query (median shown)")
    args = parser.parse_args()
    if args.small:
        args.lines = 20_000
    return args


def prepare_database(url: str) -> str:
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="cabas-bench-"))
        return f"sqlite:///{folder / 'bench.sqlite3'}"
    if url.startswith(("postgres://", "postgresql://")):
        from urllib.parse import urlparse

        import psycopg

        parsed = urlparse(url)
        name = parsed.path.lstrip("/")
        admin = parsed._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    return url


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("DATABASE_REPLICA_URL", None)
    os.environ["CABAS_TESTING"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabas.gestion.settings")
    sys.argv = sys.argv[:1]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- Data ----------------------------------------------------------------------------------


def _db_value(field: Any, connection: Any, value: Any) -> Any:
    return field.get_db_prep_value(value, connection, prepared=False)


def _same(value: Any) -> Any:
    return value


def insert_rows(model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Raw multi-row INSERT (COPY on PostgreSQL) of ``rows`` (attname → Python value)."""
    from django.db import connection

    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if f.attname in rows[0]]
    columns = [f.column for f in fields]
    convert: list[Callable[[Any], Any]] = []
    for f in fields:
        internal = getattr(f, "target_field", f).get_internal_type()
        if internal in ("UUIDField", "DateTimeField", "DateField", "JSONField"):
            convert.append(partial(_db_value, f, connection))
        else:
            convert.append(_same)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[f.attname] for f in fields])
            return
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        one = "(" + ", ".join(["%s"] * len(fields)) + ")"
        chunk = max(1, 900 // len(fields)) if connection.vendor == "sqlite" else 2000
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params: list[Any] = []
            for row in part:
                params.extend(c(row[f.attname]) for c, f in zip(convert, fields, strict=True))
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES "
                + ", ".join([one] * len(part)),
                params,
            )


def build(lines_wanted: int) -> Any:
    from django.apps import apps
    from django.db import transaction

    from cabas.gestion.beneficiaries.models import Household, RightsPeriod
    from cabas.gestion.catalog.models import Category, Product
    from cabas.gestion.pos.models import Device
    from cabas.gestion.stores.models import Membership, Store

    Ticket = apps.get_model("sales", "Ticket")
    TicketLine = apps.get_model("sales", "TicketLine")
    TicketPayment = apps.get_model("sales", "TicketPayment")
    from cabas.gestion.stores.services import person_add, store_create

    rng = random.Random(8)
    Store.objects.filter(slug=SLUG).update(slug=f"{SLUG}-old-{uuid.uuid4().hex[:6]}")
    store = store_create(slug=SLUG, name="Bench reports")
    tz = store.timezone
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    with transaction.atomic():
        rayons = []
        for i, name in enumerate(
            [
                "Fruits et légumes",
                "Épicerie salée",
                "Épicerie sucrée",
                "Produits frais",
                "Hygiène",
                "Entretien",
                "Boissons",
                "Bébé",
            ]
        ):
            rayon = Category.objects.create(store=store, name=name, position=i)
            for j in range(3):
                rayons.append(
                    Category.objects.create(store=store, name=f"{name} {j + 1}", parent=rayon)
                )
        products = Product.objects.bulk_create(
            Product(
                store=store,
                name=f"Produit {n}",
                category=rayons[n % len(rayons)],
                unit="kg" if n % 10 == 0 else "piece",
                price_cents=rng.randint(50, 900),
                cost_cents=rng.randint(30, 500),
                origin=("purchase", "purchase", "donation", "eu_aid")[n % 4],
                programme="FSE+" if n % 4 == 3 else "",
                # 9 products in 10 sold by the piece have a weight; the 10th is "sans poids".
                net_weight_g=None if n % 10 == 0 or n % 10 == 5 else 100 + (n * 37) % 900,
                tags=(" fruits_legumes ", "", " legumineuses ", " egalim ", "")[n % 5],
            )
            for n in range(400)
        )
        # Two lots per product (the ledger's origins: bought and given), the sales take the
        # first; the kilograms by origin read the lot's.
        from cabas.gestion.stock.models import Lot, StockMovement

        lot_origins = ("purchase", "food_bank", "supermarket", "collection", "eu_aid")
        lots = Lot.objects.bulk_create(
            Lot(
                store=store,
                product=p,
                received_at=datetime.now(UTC) - timedelta(days=730),
                quantity=0,
                origin=p.origin if p.origin == "eu_aid" else lot_origins[(n + k) % 4],
                programme=p.programme,
            )
            for n, p in enumerate(products)
            for k in range(2)
        )
        lot_of = {lot.product_id: lot for lot in reversed(lots)}  # the first of each product
        communes = ["Lyon", "Villeurbanne", "Vénissieux", "Bron", "Vaulx-en-Velin", "Caluire"]
        households = Household.objects.bulk_create(
            Household(
                store=store,
                code=f"B{n:07d}",
                label=f"Foyer {n}",
                last_name=f"Nom {n}",
                commune=communes[n % len(communes)],
                adults=1 + n % 3,
                children=n % 4,
                monthly_budget_cents=5000,
            )
            for n in range(3000)
        )
        first_day = date.today().replace(day=1) - timedelta(days=730)
        periods = []
        for n, h in enumerate(households):
            start = first_day + timedelta(days=(n * 7) % 700)
            periods.append(
                RightsPeriod(store=store, household=h, start=start, end=start + timedelta(days=180))
            )
        RightsPeriod.objects.bulk_create(periods)
        # The composition with birth dates (the funders' age categories) and, for one
        # household in three, the optional answers given with consent.
        from cabas.gestion.beneficiaries.models import FunderAnswers, HouseholdMember

        members = []
        for n, h in enumerate(households):
            for k in range(h.adults + h.children):
                age = (n * 7 + k * 13) % 18 if k >= h.adults else 18 + (n * 11 + k) % 70
                members.append(
                    HouseholdMember(
                        store=store,
                        household=h,
                        first_name=f"Membre {k}",
                        is_adult=k < h.adults,
                        birth_date=None if (n + k) % 10 == 0 else date(2026 - age, 1 + k % 12, 1),
                    )
                )
        HouseholdMember.objects.bulk_create(members, batch_size=1000)
        FunderAnswers.objects.bulk_create(
            FunderAnswers(store=store, household=h, consent=True, women=1, migrants=0)
            for n, h in enumerate(households)
            if n % 3 == 0
        )
        devices = [
            Device.objects.create(store=store, name=f"Caisse {i}", token_hash=uuid.uuid4().hex)
            for i in (1, 2)
        ]
        suffix = uuid.uuid4().hex[:6]
        for n in range(3):
            person_add(
                store=store,
                actor=None,
                username=f"bench-{suffix}-{n}",
                role="caisse",
                first_name=f"Hôte {n}",
                email=f"bench-{suffix}-{n}@example.org",
                password=uuid.uuid4().hex,
            )
        members = list(Membership.objects.filter(store=store).values_list("pk", flat=True))

    products_by_id = {p.pk: p for p in products}
    start = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    span = (datetime.now(zone) - start).total_seconds()
    tickets: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    movements: list[dict[str, Any]] = []
    made = 0
    t0 = time.perf_counter()
    while made < lines_wanted:
        count = min(rng.randint(1, 7), lines_wanted - made)
        when = start + timedelta(seconds=rng.random() * span)
        household = households[rng.randrange(len(households))] if rng.random() < 0.85 else None
        tid = uuid.uuid4()
        total = full = 0
        for position in range(count):
            product = products[rng.randrange(len(products))]
            qty = rng.randint(200, 1500) if product.unit == "kg" else rng.randint(1, 3)
            line_full = qty * product.price_cents // (1000 if product.unit == "kg" else 1)
            if product.unit == "kg":
                grams: int | None = qty
            else:
                grams = None if product.net_weight_g is None else qty * product.net_weight_g
            paid = line_full // 5 if household else line_full
            total += paid
            full += line_full
            lines.append(
                {
                    "ticket_id": tid,
                    "store_id": store.pk,
                    "position": position,
                    "product_id": product.pk,
                    "product_ref": product.pk,
                    "barcode": "",
                    "label": product.name,
                    "quantity": qty,
                    "unit": product.unit,
                    "unit_price_cents": product.price_cents,
                    "full_price_cents": line_full,
                    "total_cents": paid,
                    "grams": grams,
                }
            )
            movements.append(
                {
                    "store_id": store.pk,
                    "product_id": product.pk,
                    "lot_id": lot_of[product.pk].pk,
                    "kind": "sale",
                    "quantity": -qty,
                    "grams": None if grams is None else -grams,
                    "created_by_id": None,
                    "created_at": when.astimezone(UTC),
                    "occurred_at": when.astimezone(UTC),
                    "document_type": "sale.ticket",
                    "document_id": str(tid),
                    "refunded_document_id": "",
                    "reason": "",
                }
            )
        made += count
        device_id = devices[rng.randrange(2)].pk
        cashier_id = members[rng.randrange(len(members))]
        for line in lines[-count:]:
            # The ticket's fields, copied onto its lines as the intake copies them.
            line["created_at"] = when.astimezone(UTC)
            line["device_id"] = device_id
            line["cashier_id"] = cashier_id
            line["household_id"] = household.pk if household else None
            line["refund_of"] = None
        tickets.append(
            {
                "id": tid,
                "store_id": store.pk,
                "device_id": device_id,
                "created_at": when.astimezone(UTC),
                "received_at": when.astimezone(UTC),
                "month": when.strftime("%Y-%m"),
                "cashier_id": cashier_id,
                "cashier_ref": None,
                "household_id": household.pk if household else None,
                "beneficiary_code": household.code if household else "",
                "cash_session_id": None,
                "refund_of": None,
                "total_cents": total,
                "full_price_cents": full,
                "change_cents": 0,
                "line_count": count,
                "fingerprint": tid.hex,
            }
        )
        payments.append(
            {
                "ticket_id": tid,
                "store_id": store.pk,
                "method": "cash",
                "amount_cents": total,
                "tendered_cents": None,
            }
        )
        if len(lines) >= 50_000:
            _flush(Ticket, TicketLine, TicketPayment, tickets, lines, payments)
            _flush_movements(StockMovement, movements)
    _flush(Ticket, TicketLine, TicketPayment, tickets, lines, payments)
    _flush_movements(StockMovement, movements)
    # The entries: each lot received every month, a loss now and then.
    day = start
    while day < datetime.now(zone):
        for lot in lots:
            product = products_by_id[lot.product_id]
            qty = 20_000 if product.unit == "kg" else 40
            weight = (
                qty
                if product.unit == "kg"
                else (None if product.net_weight_g is None else qty * product.net_weight_g)
            )
            for kind, sign, reason in (("reception", 1, ""), ("loss", -1, "Casse")):
                if kind == "loss" and lot.pk % 7:
                    continue
                part = qty if sign > 0 else qty // 20
                movements.append(
                    {
                        "store_id": store.pk,
                        "product_id": product.pk,
                        "lot_id": lot.pk,
                        "kind": kind if lot.origin == "purchase" or sign < 0 else "donation",
                        "quantity": sign * part,
                        "grams": None if weight is None else sign * weight * part // qty,
                        "created_by_id": None,
                        "created_at": day.astimezone(UTC),
                        "occurred_at": day.astimezone(UTC),
                        "document_type": "",
                        "document_id": "",
                        "refunded_document_id": "",
                        "reason": reason,
                    }
                )
        day += timedelta(days=30)
    _flush_movements(StockMovement, movements)
    print(f"  generated {made:,} lines in {time.perf_counter() - t0:.1f} s")

    vacuum_analyze()
    return store


def vacuum_analyze() -> None:
    """Statistics for the planner and, on PostgreSQL, the visibility map an index-only scan
    needs (what autovacuum does on a live database), for the bare SQL and cabas alike."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (
                "sales_ticket",
                "sales_ticketline",
                "sales_ticketpayment",
                "stock_stockmovement",
                "stock_lot",
                "beneficiaries_household",
                "beneficiaries_householdmember",
                "beneficiaries_rightsperiod",
                "beneficiaries_funderanswers",
                "catalog_product",
                "catalog_category",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")


def _flush_movements(model: Any, movements: list[Any]) -> None:
    from django.db import transaction

    with transaction.atomic():
        insert_rows(model, movements)
    movements.clear()


def _flush(
    ticket_model: Any,
    line_model: Any,
    payment_model: Any,
    tickets: list[Any],
    lines: list[Any],
    payments: list[Any],
) -> None:
    from django.db import transaction

    ticket_fields = {f.attname for f in ticket_model._meta.concrete_fields}
    line_fields = {f.attname for f in line_model._meta.concrete_fields} - {"id"}
    payment_fields = {f.attname for f in payment_model._meta.concrete_fields} - {"id"}
    with transaction.atomic():
        insert_rows(
            ticket_model, [{k: v for k, v in t.items() if k in ticket_fields} for t in tickets]
        )
        insert_rows(line_model, [{k: v for k, v in r.items() if k in line_fields} for r in lines])
        insert_rows(
            payment_model, [{k: v for k, v in p.items() if k in payment_fields} for p in payments]
        )
    tickets.clear()
    lines.clear()
    payments.clear()


# --- Timing ---------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    runs = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), result


def raw(sql: str, params: Iterable[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def bare_activity_sql(store: Any, start: datetime, end: datetime, first: date, last: date) -> Any:
    """The activity report's figures in hand-written SQL."""
    served = raw(
        "SELECT COUNT(*), COALESCE(SUM(h.adults), 0), COALESCE(SUM(h.children), 0) "
        "FROM beneficiaries_household h WHERE h.store_id = %s AND h.id IN ("
        " SELECT t.household_id FROM sales_ticket t WHERE t.store_id = %s AND t.created_at >= %s"
        " AND t.created_at < %s AND t.refund_of IS NULL AND t.household_id IS NOT NULL)",
        [store.pk, store.pk, start, end],
    )
    money = raw(
        "SELECT SUM(t.total_cents), SUM(t.full_price_cents),"
        " SUM(CASE WHEN t.household_id IS NOT NULL THEN t.total_cents END),"
        " SUM(CASE WHEN t.household_id IS NOT NULL THEN t.full_price_cents END),"
        " COUNT(CASE WHEN t.refund_of IS NULL THEN 1 END),"
        " COUNT(CASE WHEN t.refund_of IS NULL AND t.household_id IS NOT NULL THEN 1 END) "
        "FROM sales_ticket t WHERE t.store_id = %s AND t.created_at >= %s AND t.created_at < %s",
        [store.pk, start, end],
    )
    fruit_veg = raw(
        "SELECT SUM(l.full_price_cents) FROM sales_ticketline l "
        "JOIN sales_ticket t ON t.id = l.ticket_id "
        "JOIN catalog_product p ON p.id = l.product_id "
        "JOIN catalog_category c ON c.id = p.category_id "
        "LEFT JOIN catalog_category p2 ON p2.id = c.parent_id "
        "WHERE l.store_id = %s AND t.created_at >= %s AND t.created_at < %s"
        " AND (c.name = 'Fruits et légumes' OR p2.name = 'Fruits et légumes')",
        [store.pk, start, end],
    )
    rights = raw(
        "SELECT COUNT(*) FROM (SELECT household_id, MIN(start) AS s FROM "
        "beneficiaries_rightsperiod WHERE store_id = %s GROUP BY household_id) x "
        "WHERE x.s >= %s AND x.s <= %s",
        [store.pk, first, last],
    )
    origins = raw(
        "SELECT p.origin, p.programme, SUM(l.quantity), SUM(l.full_price_cents) "
        "FROM sales_ticketline l JOIN sales_ticket t ON t.id = l.ticket_id "
        "LEFT JOIN catalog_product p ON p.id = l.product_id "
        "WHERE l.store_id = %s AND t.created_at >= %s AND t.created_at < %s "
        "GROUP BY p.origin, p.programme",
        [store.pk, start, end],
    )
    # The kilograms: the ledger's grams by kind and by the lot's origin, then by rayon.
    kinds = "('reception', 'donation', 'sale', 'refund', 'loss', 'expiry')"
    kilos_origin = raw(
        "SELECT m.kind, COALESCE(l.origin, p.origin), COALESCE(l.programme, p.programme),"
        " SUM(m.grams), SUM(CASE WHEN m.grams IS NULL THEN m.quantity END),"
        " SUM(m.quantity * p.price_cents) "
        "FROM stock_stockmovement m LEFT JOIN stock_lot l ON l.id = m.lot_id "
        "JOIN catalog_product p ON p.id = m.product_id "
        "WHERE m.store_id = %s AND m.occurred_at >= %s AND m.occurred_at < %s"
        f" AND m.kind IN {kinds} "
        "GROUP BY 1, 2, 3",
        [store.pk, start, end],
    )
    kilos_rayon = raw(
        "SELECT m.kind, COALESCE(c.parent_id, p.category_id), SUM(m.grams),"
        " SUM(CASE WHEN p.tags LIKE '%% legumineuses %%' THEN m.grams END) "
        "FROM stock_stockmovement m JOIN catalog_product p ON p.id = m.product_id "
        "JOIN catalog_category c ON c.id = p.category_id "
        "WHERE m.store_id = %s AND m.occurred_at >= %s AND m.occurred_at < %s"
        f" AND m.kind IN {kinds} "
        "GROUP BY 1, 2",
        [store.pk, start, end],
    )
    communes = raw(
        "SELECT commune, COUNT(*) FROM beneficiaries_household WHERE store_id = %s AND id IN ("
        " SELECT household_id FROM sales_ticket WHERE store_id = %s AND created_at >= %s"
        " AND created_at < %s) GROUP BY commune",
        [store.pk, store.pk, start, end],
    )
    return served, money, fruit_veg, rights, origins, communes, kilos_origin, kilos_rayon


def bare_statistic_sql(
    store: Any, start: datetime, end: datetime, group: str, measure: str, *, copies: bool = False
) -> Any:
    """A statistic in hand-written SQL. Ticket attributes (month, till, commune) from the
    tickets alone; the others from the lines joined to their ticket for its time (the way the
    figures were computed before the lines carried copies of their ticket's fields), or, with
    ``copies``, from the lines alone through their (store, created_at) index."""
    from django.db import connection

    expr = {
        "paid": "SUM(l.total_cents)",
        "quantity": "SUM(CASE WHEN l.unit <> 'kg' THEN l.quantity ELSE 0 END)",
        "households": "COUNT(DISTINCT t.household_id)",
        "tickets": "COUNT(DISTINCT t.id)",
    }[measure]
    if connection.vendor == "postgresql":
        month = "date_trunc('month', t.created_at AT TIME ZONE %s)"
    elif connection.vendor == "mysql":
        month = "DATE_FORMAT(CONVERT_TZ(t.created_at, 'UTC', %s), '%%Y-%%m-01')"
    else:
        month = "strftime('%%Y-%%m', t.created_at, 'localtime') || %s"
    key = {
        "month": month,
        "category": "p.category_id",
        "rayon": "COALESCE(c.parent_id, p.category_id)",
        "product": "l.product_id",
        "cashier_origin": "t.cashier_id, p.origin",
        "till": "t.device_id",
        "commune": "h.commune",
    }[group]
    params: list[Any] = [store.timezone] if group == "month" else []
    if group in ("month", "till", "commune"):
        # A ticket attribute: the same figures from the tickets alone.
        ticket_expr = {
            "paid": "SUM(t.total_cents)",
            "households": "COUNT(DISTINCT t.household_id)",
            "tickets": "COUNT(t.id)",
        }[measure]
        return raw(
            f"SELECT {key} AS k, {ticket_expr} FROM sales_ticket t "
            "LEFT JOIN beneficiaries_household h ON h.id = t.household_id "
            "WHERE t.store_id = %s AND t.created_at >= %s AND t.created_at < %s GROUP BY k",
            [*params, store.pk, start, end],
        )
    rayon = "LEFT JOIN catalog_category c ON c.id = p.category_id " if group == "rayon" else ""
    if copies:
        # The ticket's fields read from the line's own copies ("t." → "l.").
        expr = expr.replace("t.household_id", "l.household_id").replace("t.id", "l.ticket_id")
        return raw(
            f"SELECT {key.replace('t.', 'l.')}, {expr} FROM sales_ticketline l "
            f"LEFT JOIN catalog_product p ON p.id = l.product_id {rayon}"
            "WHERE l.store_id = %s AND l.created_at >= %s AND l.created_at < %s "
            f"GROUP BY {key.replace('t.', 'l.')}",
            [store.pk, start, end],
        )
    return raw(
        f"SELECT {key}, {expr} FROM sales_ticketline l "
        "JOIN sales_ticket t ON t.id = l.ticket_id "
        "LEFT JOIN catalog_product p ON p.id = l.product_id "
        f"{rayon}"
        "LEFT JOIN beneficiaries_household h ON h.id = t.household_id "
        f"WHERE l.store_id = %s AND t.created_at >= %s AND t.created_at < %s GROUP BY {key}",
        [store.pk, start, end],
    )


def main() -> None:
    args = parse_args()
    url = prepare_database(args.database_url)
    setup_django(url)
    from django.apps import apps
    from django.db import connection

    from cabas.gestion.reports import analytics
    from cabas.gestion.reports.activity import activity_report
    from cabas.gestion.reports.periods import Period, month_period
    from cabas.gestion.reports.statistics import parse_definition, run_statistic
    from cabas.gestion.stores.models import Store

    TicketLine = apps.get_model("sales", "TicketLine")

    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    store = Store.objects.filter(slug=SLUG).first()
    if args.reuse and store is not None:
        print(f"  reusing {TicketLine.objects.filter(store=store).count():,} lines")
        vacuum_analyze()
    else:
        t0 = time.perf_counter()
        store = build(args.lines)
        print(f"  data ready in {time.perf_counter() - t0:.1f} s")
    assert store is not None
    today = date.today()
    previous = today.replace(day=1) - timedelta(days=1)
    month = month_period(f"{previous:%Y-%m}", store.timezone)
    year = Period(today - timedelta(days=364), today, store.timezone)

    print(f"\n{'query':58} {'cabas':>9} {'bare SQL':>9} {'bare, copies':>12}")
    print(f"{'':58} {'':>9} {'(join)':>9} {'(no join)':>12}")

    def row(name: str, ours: float, bare: float | None, copies: float | None = None) -> None:
        def ms(value: float | None, width: int) -> str:
            return (
                f"{value * 1000:{width - 3}.0f} ms"
                if value is not None
                else " " * (width - 1) + "—"
            )

        print(f"{name:58} {ours * 1000:6.0f} ms {ms(bare, 9)} {ms(copies, 12)}")

    bare: float | None
    ours, report = timed(lambda: activity_report(store, month), args.repeat)
    bare, _ = timed(
        lambda: bare_activity_sql(store, month.start, month.end, month.first, month.last),
        args.repeat,
    )
    row(
        f"monthly activity report {month.label()} ({report.figures['households']} foyers)",
        ours,
        bare,
    )
    ours, _ = timed(lambda: activity_report(store, year, annual=True), 1)
    bare, _ = timed(
        lambda: bare_activity_sql(store, year.start, year.end, year.first, year.last), 1
    )
    row("annual activity report (365 days, with the month table)", ours, bare)

    # Every measure and every dimension of the builder at least once; ``group`` names the
    # bare SQL computing the same figure (None: none written).
    cases: list[tuple[str, list[str], str | None]] = [
        ("paid", ["month"], "month"),
        ("households", ["month"], "month"),
        ("paid", ["category"], "category"),
        ("tickets", ["till"], "till"),
        ("households", ["commune"], "commune"),
        ("full", ["week", "till"], None),
        ("quantity", ["product"], "product"),
        ("savings", ["household_size"], None),
        ("paid", ["cashier", "origin"], "cashier_origin"),
        ("weight", ["rayon"], None),
        ("paid", ["rayon"], "rayon"),
        ("households", ["product"], "product"),
        ("tickets", ["category"], "category"),
        ("quantity", ["day"], None),
        ("households", ["origin", "commune"], None),
        ("savings", ["month", "rayon"], None),
        ("households", [], None),
        ("kg", ["origin"], None),
        ("unweighed", ["rayon"], None),
    ]
    for measure, dims, group in cases:
        definition = parse_definition(
            {
                "measure": measure,
                "dimensions": dims,
                "period": "custom",
                "date_from": year.first.isoformat(),
                "date_to": year.last.isoformat(),
            }
        )
        ours, _ = timed(partial(run_statistic, store, definition), args.repeat)
        bare = copies = None
        if group is not None:
            bare_measure = measure if measure in ("paid", "households", "tickets") else "paid"
            if measure == "quantity":
                bare_measure = "quantity"
            bare, _ = timed(
                partial(bare_statistic_sql, store, year.start, year.end, group, bare_measure),
                args.repeat,
            )
            if group not in ("month", "till", "commune"):
                copies, _ = timed(
                    partial(
                        bare_statistic_sql,
                        store,
                        year.start,
                        year.end,
                        group,
                        bare_measure,
                        copies=True,
                    ),
                    args.repeat,
                )
        row(
            f"statistic {measure} by {' × '.join(dims) or 'nothing'} over 12 months",
            ours,
            bare,
            copies,
        )

    # The sales table (every measure at once, distinct counts included) and the payments.
    for label, period, group_by in [
        ("sales table by product, last month", month, "product"),
        ("sales table by day, last month", month, "day"),
        ("sales table by product, 12 months", year, "product"),
        ("sales table by rayon, 12 months", year, "rayon"),
    ]:
        ours, _ = timed(
            partial(
                analytics.aggregate,
                store,
                period,
                dimensions=[group_by],
                measures=analytics.TABLE_MEASURES,
            ),
            args.repeat,
        )
        row(label, ours, None)
    ours, _ = timed(partial(analytics.payments_by_method, store, year), args.repeat)
    row("payments by method, 12 months", ours, None)


if __name__ == "__main__":
    main()
