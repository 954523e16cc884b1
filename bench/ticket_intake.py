"""Ticket intake (`POST tickets`' service), in-process: 5-line tickets in batches of 50, stored
with one commit per batch (a savepoint per ticket, as the intake does) and with one commit per
ticket (the intake before batches, ``commit_each``), next to a raw-SQL baseline that performs
the same inserts and updates the same two ways, in the same run on the same database, the four
alternating in rounds (10 rounds of 50 tickets each with ``--small``) so that a changing load
weighs on all: the median ratios of the rounds and their range are printed with the absolute
rates; then the replay of the same tickets (all `duplicate`).

    .venv/bin/python bench/ticket_intake.py                 # SQLite file (WAL, synchronous=FULL)
    .venv/bin/python bench/ticket_intake.py --small
    .venv/bin/python bench/ticket_intake.py --database-url postgres://postgres@127.0.0.1:5432/cabas_bench_intake
    .venv/bin/python bench/ticket_intake.py --small --tills 2   # and two tills posting at once

The shop starts with history (products, lots, stock movements, and tickets from a first
untimed pass), so that query plans are those of a database in use.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from typing import Any

import _stockdata


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="fewer products and tickets")
    parser.add_argument("--database-url", default=None, help="else BENCH_DATABASE_URL / SQLite")
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--movements", type=int, default=200_000)
    parser.add_argument("--tickets", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=50, help="tickets per POST (1..100)")
    parser.add_argument("--rounds", type=int, default=10, help="alternating intake/raw chunks")
    parser.add_argument(
        "--tills",
        type=int,
        default=1,
        help="also time this many tills posting at once (one thread and connection each)",
    )
    args = parser.parse_args()
    if args.small:
        args.products, args.movements, args.tickets = 1_000, 20_000, 500
    if args.database_url:
        os.environ["BENCH_DATABASE_URL"] = args.database_url
    # As in production: with DEBUG on, Django records every statement, which costs the
    # intake (more statements) more than the baseline.
    os.environ.setdefault("CABAS_DEBUG", "false")

    url = _stockdata.django_setup("ticket_intake")
    from django.db import connection

    shop = _prepare(args)
    print(f"database: {connection.vendor} ({url.split('@')[-1]}){_durability()}")
    print(f"history: {shop['history']}")

    rounds = max(1, args.rounds)
    chunk = max(1, args.tickets // rounds)
    modes = ["intake", "intake_each", "raw", "raw_each"]
    tickets = {mode: [_ticket(shop) for _ in range(chunk * rounds)] for mode in modes}

    from django.db import reset_queries

    from cabas.gestion.sales.intake import ticket_batch_ingest
    from cabas.gestion.sales.models import Ticket

    device = shop["device"]
    reset_queries()

    def ingest(batch: list[dict[str, Any]], expected: str, commit_each: bool = False) -> float:
        started = time.perf_counter()
        for start in range(0, len(batch), args.batch):
            chunk_ = batch[start : start + args.batch]
            results = ticket_batch_ingest(
                device=device, raw_tickets=chunk_, commit_each=commit_each
            )
            assert all(r.status == expected for r in results), results[:3]
        return time.perf_counter() - started

    def raw_sql(batch: list[dict[str, Any]], each: bool) -> float:
        started = time.perf_counter()
        for start in range(0, len(batch), args.batch):
            _raw_sql_batch(shop, batch[start : start + args.batch], each)
        return time.perf_counter() - started

    run = {
        "intake": lambda b: ingest(b, "created"),
        "intake_each": lambda b: ingest(b, "created", commit_each=True),
        "raw": lambda b: raw_sql(b, each=False),
        "raw_each": lambda b: raw_sql(b, each=True),
    }
    # The four alternate in short chunks (the order turning every round), so that a load that
    # changes during the run weighs on all of them alike; each round gives its own ratios.
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    # And this process's CPU time, which a loaded machine disturbs less than the wall clock
    # (on SQLite it holds the database's work too; on PostgreSQL only the client's).
    cpu: dict[str, float] = dict.fromkeys(modes, 0.0)
    for r in range(rounds):
        order = modes[r % len(modes) :] + modes[: r % len(modes)]
        for mode in order:
            began = time.process_time()
            times[mode].append(run[mode](tickets[mode][r * chunk : (r + 1) * chunk]))
            cpu[mode] += time.process_time() - began

    before = Ticket.objects.count()
    replay = ingest(tickets["intake"], "duplicate")
    assert Ticket.objects.count() == before

    single = tickets["intake"][: max(50, chunk * rounds // 10)]
    replayed_single = [dict(t, id=str(uuid.uuid4())) for t in single]
    started = time.perf_counter()
    for raw in replayed_single:
        ticket_batch_ingest(device=device, raw_tickets=[raw])
    one_by_one = time.perf_counter() - started

    together = _tills_at_once(shop, args) if args.tills > 1 else None
    commit_ms = _commit_probe()

    n = chunk * rounds
    labels = {
        "intake": f"intake, batches of {args.batch}, one commit per batch",
        "intake_each": f"intake, batches of {args.batch}, one commit per ticket",
        "raw": f"raw SQL, batches of {args.batch}, one commit per batch",
        "raw_each": "raw SQL, one commit per ticket",
    }
    print(f"rounds: {rounds} x {chunk} tickets of each of {len(modes)} ways, alternating")
    for mode in modes:
        rates = sorted(chunk / t for t in times[mode])
        print(
            f"{labels[mode]:<55} {n / sum(times[mode]):7.0f} tickets/s "
            f"(rounds {rates[0]:.0f}-{rates[-1]:.0f}, median {statistics.median(rates):.0f}; "
            f"CPU {cpu[mode] * 1000 / n:.2f} ms/ticket)"
        )

    def ratio(ours: str, theirs: str, target: float) -> None:
        per_round = sorted(t / o for o, t in zip(times[ours], times[theirs], strict=True))
        overall = sum(times[theirs]) / sum(times[ours])
        print(
            f"ratio {ours} / {theirs}: median of rounds {statistics.median(per_round):.2f} "
            f"(range {per_round[0]:.2f}-{per_round[-1]:.2f}; overall {overall:.2f}; "
            f"target >= {target})"
        )

    ratio("intake", "raw", 0.7)
    ratio("intake", "intake_each", 2.0)
    ratio("intake_each", "raw_each", 0.0)
    print(
        f"intake (1 per POST):                                     "
        f"{len(single) / one_by_one:7.0f} tickets/s"
    )
    print(
        f"a bare durable commit (one-row insert) on this disk:     {commit_ms:7.2f} ms "
        f"(at most {1000 / commit_ms:.0f} transactions/s, one after the other)"
    )
    print(f"replay (all duplicate, nothing written):                 {n / replay:7.0f} tickets/s")
    if together is not None:
        ours, theirs = together
        print(
            f"{args.tills} tills posting at once (a thread each):           {ours:7.0f} tickets/s "
            f"(raw SQL batched, {args.tills} threads: {theirs:.0f} /s)"
        )


def _tills_at_once(shop: dict[str, Any], args: Any) -> tuple[float, float]:
    """Tickets per second when ``args.tills`` tills post at once, each from its own thread and
    database connection (as the server's workers take them), then the raw SQL the same way."""
    import threading

    from django.db import connections

    from cabas.gestion.sales.intake import ticket_batch_ingest

    devices = _devices(shop["store"], args.tills)
    per_till = max(args.batch, args.tickets // args.tills)

    def timed(work: Any) -> float:
        batches = [[_ticket(shop) for _ in range(per_till)] for _ in devices]
        errors: list[BaseException] = []

        def run(index: int) -> None:
            try:
                work(devices[index], batches[index])
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(devices))]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise errors[0]
        return per_till * len(devices) / elapsed

    def intake(device: Any, batch: list[dict[str, Any]]) -> None:
        for start in range(0, len(batch), args.batch):
            results = ticket_batch_ingest(
                device=device, raw_tickets=batch[start : start + args.batch]
            )
            assert all(r.status == "created" for r in results), results[:3]

    def raw(_device: Any, batch: list[dict[str, Any]]) -> None:
        for start in range(0, len(batch), args.batch):
            _raw_sql_batch(shop, batch[start : start + args.batch], each=False)

    return timed(intake), timed(raw)


def _devices(store: Any, count: int) -> list[Any]:
    """The shop's first ``count`` tills (enrolled through the service if missing), with their
    shop loaded, as the API's authentication gives them."""
    from cabas.gestion.pos.models import Device
    from cabas.gestion.pos.services import device_enroll, enrollment_code_create

    tills = Device.objects.filter(store=store, revoked_at__isnull=True)
    for number in range(tills.count(), count):
        code = enrollment_code_create(store=store).code
        device_enroll(code=code, name=f"Caisse de mesure {number + 1}")
    return list(tills.select_related("store").order_by("pk")[:count])


def _durability() -> str:
    """How the timed commits reach the disk (SQLite: the journal and sync modes in force)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(cursor.fetchone()[0], "?")
    if sync not in ("FULL", "EXTRA"):
        raise SystemExit(f"commits are not durable here (synchronous={sync}): not a fair measure")
    return f", journal_mode={journal}, synchronous={sync}"


def _commit_probe(count: int = 200) -> float:
    """The median time of a one-row INSERT and its durable COMMIT on the same database: what
    the disk allows, the floor under both the intake and the baseline."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commit_probe (n integer)")
    times = []
    for n in range(count):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_commit_probe (n) VALUES (%s)", [n])
        times.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_commit_probe")
    return statistics.median(times) * 1000


def _prepare(args: Any) -> dict[str, Any]:
    from django.db import transaction

    from cabas.gestion.beneficiaries import codes
    from cabas.gestion.beneficiaries.models import Household
    from cabas.gestion.catalog.models import Product
    from cabas.gestion.sales.intake import load_context
    from cabas.gestion.sales.models import Ticket
    from cabas.gestion.stock.models import StockMovement
    from cabas.gestion.stores.models import Membership, Store

    store = Store.objects.filter(slug=_stockdata.BENCH_SLUG).first()
    movements = args.movements
    if store is not None and Product.objects.filter(store=store).count() == args.products:
        # Reuse the shop: its ledger has grown by the tickets of earlier runs.
        movements = StockMovement.objects.filter(store=store).count()
    elif store is not None:
        _drop_sales(store)
    bench = _stockdata.ensure_stock_data(products=args.products, movements=movements)
    store = bench.store
    device = _devices(store, 1)[0]
    if Household.objects.filter(store=store).count() < 300:
        today = store.today()
        with transaction.atomic():
            Household.objects.bulk_create(
                [
                    Household(
                        store=store,
                        code=codes.generate(),
                        label=f"FOYER {n}",
                        last_name=f"Foyer {n}",
                        monthly_budget_cents=6000,
                        rights_start=today - timedelta(days=30),
                        rights_end=today + timedelta(days=330),
                    )
                    for n in range(300)
                ]
            )
    households = list(
        Household.objects.filter(store=store).only("id", "code", "rate_bp", "monthly_budget_cents")
    )
    cashier = Membership.objects.filter(store=store).first()
    products = list(
        Product.objects.filter(store=store).only(
            "id", "name", "unit", "price_cents", "category_id", "origin", "programme", "rate_bp"
        )
    )
    shop = {
        "store": store,
        "device": device,
        "products": products,
        "households": households,
        "cashier_id": cashier.pk if cashier else None,
        "rng": random.Random(11),
    }
    shop["context"] = load_context(store, [])
    from cabas.gestion.sales.intake import ticket_batch_ingest

    history = Ticket.objects.filter(store=store).count()
    if history < args.tickets:
        warm = [_ticket(shop) for _ in range(args.tickets - history)]
        for start in range(0, len(warm), 100):
            ticket_batch_ingest(device=device, raw_tickets=warm[start : start + 100])
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does in a shop's database (this machine's server runs without it):
        # the rows that earlier runs updated (stock levels, spending) leave no dead versions.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    shop["history"] = (
        f"{len(products):,} products, {bench.movements:,}+ stock movements, "
        f"{Ticket.objects.filter(store=store).count():,} tickets, {len(households)} households"
    )
    return shop


def _drop_sales(store: Any) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table in (
            "sales_anomaly",
            "sales_ticketline",
            "sales_ticketpayment",
            "sales_ticket",
            "sales_quarantinedpayload",
            "beneficiaries_monthlyspending",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE store_id = %s", [store.pk])


def _ticket(shop: dict[str, Any]) -> dict[str, Any]:
    """A 5-line ticket priced as the till prices it; half of them with a household card."""
    from django.utils import timezone

    from cabas.protocol.till_tickets import product_line, till_ticket
    from cabas.rules.pricing import FULL_RATE_BP

    rng: random.Random = shop["rng"]
    context = shop["context"]
    household = rng.choice(shop["households"]) if rng.random() < 0.5 else None
    lines = []
    for product in rng.sample(shop["products"], 5):
        quantity = rng.randint(150, 1500) if product.unit == "kg" else rng.randint(1, 3)
        rate = FULL_RATE_BP
        if household is not None:
            rate = context.tariff.rate_for(
                product.pk,
                context.category_path(product.category_id),
                product.tariff_origin,
                household.rate_bp,
            ).rate_bp
        lines.append(product_line(product, quantity, rate))
    return till_ticket(
        lines,
        created_at=timezone.localtime(),
        cashier_id=shop["cashier_id"],
        beneficiary_code=household.code if household else None,
    )


def _raw_sql_batch(shop: dict[str, Any], batch: list[dict[str, Any]], each: bool) -> None:
    """The batch in hand-written SQL: one transaction per ticket (``each``), or one for the
    batch with a savepoint per ticket, as the intake stores them."""
    from django.db import transaction

    if each:
        for raw in batch:
            with transaction.atomic():
                _raw_sql_ticket(shop, raw)
        return
    with transaction.atomic():
        _raw_sql_locks(shop, batch)
        for raw in batch:
            with transaction.atomic():  # a savepoint
                _raw_sql_ticket(shop, raw)


def _raw_sql_locks(shop: dict[str, Any], batch: list[dict[str, Any]]) -> None:
    """What a batch held in one transaction needs against concurrent batches, as the intake
    does it: its products, their lots and its households' spendings locked up front in one
    order (without it, two tills' batches deadlock)."""
    from django.db import connection
    from django.utils import timezone

    if connection.vendor == "sqlite":
        return
    store_id = shop["store"].pk
    products = sorted({line["product_id"] for raw in batch for line in raw["lines"]})
    marks = ", ".join(["%s"] * len(products))
    month = timezone.now().strftime("%Y-%m")
    codes = {raw["beneficiary_code"] for raw in batch if raw["beneficiary_code"]}
    households = sorted(h.pk for h in shop["households"] if h.code in codes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM catalog_product WHERE store_id = %s AND id IN ({marks}) "
            "ORDER BY id FOR UPDATE",
            [store_id, *products],
        )
        cursor.execute(
            f"SELECT id FROM stock_lot WHERE store_id = %s AND product_id IN ({marks}) "
            "AND quantity > 0 ORDER BY id FOR UPDATE",
            [store_id, *products],
        )
        if households:
            rows = ", ".join(["(%s, %s, %s, 0, %s)"] * len(households))
            tail = (
                "ON DUPLICATE KEY UPDATE spent_cents = spent_cents"
                if connection.vendor == "mysql"
                else "ON CONFLICT (household_id, month) DO UPDATE SET spent_cents = "
                "beneficiaries_monthlyspending.spent_cents"
            )
            when = connection.ops.adapt_datetimefield_value(timezone.now())
            cursor.execute(
                "INSERT INTO beneficiaries_monthlyspending (store_id, household_id, month, "
                f"spent_cents, updated_at) VALUES {rows} {tail}",
                [v for pk in households for v in (store_id, pk, month, when)],
            )


def _raw_sql_ticket(shop: dict[str, Any], raw: dict[str, Any]) -> None:
    """The same rows and updates as the intake, in hand-written SQL, in the caller's
    transaction: the ticket, its lines, its payment, the lots read (locked), the stock levels
    (one UPDATE), the movements, the lots' levels, the spending upsert and its read."""
    from django.db import connection
    from django.utils import timezone

    from cabas.gestion.sales.models import Ticket

    store_id = shop["store"].pk
    now = timezone.now()
    ops = connection.ops
    when = ops.adapt_datetimefield_value(now)
    pk = Ticket._meta.pk.get_db_prep_value(uuid.UUID(raw["id"]), connection)  # type: ignore[union-attr]
    household = next((h for h in shop["households"] if h.code == raw["beneficiary_code"]), None)
    lines = raw["lines"]
    lock = " FOR UPDATE" if connection.vendor != "sqlite" else ""
    device = shop["device"].pk.hex if connection.vendor != "postgresql" else shop["device"].pk
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sales_ticket (id, store_id, device_id, created_at, received_at, month, "
            "cashier_id, cashier_ref, household_id, beneficiary_code, cash_session_id, refund_of, "
            "total_cents, full_price_cents, change_cents, line_count, fingerprint) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, NULL, %s, %s, 0, %s, %s)",
            [
                pk,
                store_id,
                device,
                when,
                when,
                now.strftime("%Y-%m"),
                raw["cashier_id"],
                raw["cashier_id"],
                household.pk if household else None,
                raw["beneficiary_code"] or "",
                raw["total_cents"],
                sum(line["full_price_cents"] for line in lines),
                len(lines),
                "0" * 64,
            ],
        )
        product_ids = [line["product_id"] for line in lines]
        marks = ", ".join(["%s"] * len(product_ids))
        cursor.execute(
            f"SELECT id, product_id, quantity FROM stock_lot WHERE store_id = %s AND "
            f"product_id IN ({marks}) AND quantity > 0 ORDER BY id{lock}",
            [store_id, *product_ids],
        )
        lot_of = {product_id: lot_id for lot_id, product_id, _q in cursor.fetchall()}
        cases = " ".join(["WHEN %s THEN %s"] * len(lines))
        cursor.execute(
            f"UPDATE catalog_product SET stock_qty = stock_qty + CASE id {cases} ELSE 0 END "
            f"WHERE store_id = %s AND id IN ({marks})",
            [v for line in lines for v in (line["product_id"], -line["quantity"])]
            + [store_id, *product_ids],
        )
        cursor.execute(
            "INSERT INTO stock_stockmovement (store_id, product_id, lot_id, kind, quantity, "
            "created_by_id, created_at, occurred_at, document_type, document_id, reason, "
            "refunded_document_id) VALUES "
            + ", ".join(
                ["(%s, %s, %s, 'sale', %s, NULL, %s, %s, 'bench.raw', %s, '', '')"] * len(lines)
            ),
            [
                v
                for line in lines
                for v in (
                    store_id,
                    line["product_id"],
                    lot_of.get(line["product_id"]),
                    -line["quantity"],
                    when,
                    when,
                    raw["id"],
                )
            ],
        )
        moved = [line for line in lines if line["product_id"] in lot_of]
        if moved:
            lot_cases = " ".join(["WHEN %s THEN %s"] * len(moved))
            lot_marks = ", ".join(["%s"] * len(moved))
            cursor.execute(
                f"UPDATE stock_lot SET quantity = quantity + CASE id {lot_cases} ELSE 0 END "
                f"WHERE id IN ({lot_marks})",
                [v for line in moved for v in (lot_of[line["product_id"]], -line["quantity"])]
                + [lot_of[line["product_id"]] for line in moved],
            )
        cursor.execute(
            "INSERT INTO sales_ticketline (store_id, ticket_id, position, product_id, "
            "product_ref, barcode, label, quantity, unit, unit_price_cents, full_price_cents, "
            "total_cents, created_at, device_id, cashier_id, household_id, refund_of) VALUES "
            + ", ".join(
                ["(%s, %s, %s, %s, %s, '', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL)"]
                * len(lines)
            ),
            [
                v
                for n, line in enumerate(lines, 1)
                for v in (
                    store_id,
                    pk,
                    n,
                    line["product_id"],
                    line["product_id"],
                    line["label"],
                    line["quantity"],
                    line["unit"],
                    line["unit_price_cents"],
                    line["full_price_cents"],
                    line["total_cents"],
                    # The ticket's fields the line carries a copy of.
                    when,
                    device,
                    raw["cashier_id"],
                    household.pk if household else None,
                )
            ],
        )
        cursor.execute(
            "INSERT INTO sales_ticketpayment (store_id, ticket_id, method, amount_cents, "
            "tendered_cents) VALUES (%s, %s, 'cash', %s, NULL)",
            [store_id, pk, raw["total_cents"]],
        )
        if household is not None:
            month = now.strftime("%Y-%m")
            if connection.vendor == "mysql":
                upsert = (
                    "INSERT INTO beneficiaries_monthlyspending (store_id, household_id, "
                    "month, spent_cents, updated_at) VALUES (%s, %s, %s, %s, %s) ON "
                    "DUPLICATE KEY UPDATE spent_cents = spent_cents + VALUES(spent_cents)"
                )
            else:
                upsert = (
                    "INSERT INTO beneficiaries_monthlyspending (store_id, household_id, "
                    "month, spent_cents, updated_at) VALUES (%s, %s, %s, %s, %s) ON "
                    "CONFLICT (household_id, month) DO UPDATE SET spent_cents = "
                    "beneficiaries_monthlyspending.spent_cents + excluded.spent_cents"
                )
            cursor.execute(upsert, [store_id, household.pk, month, raw["total_cents"], when])
            cursor.execute(
                "SELECT spent_cents FROM beneficiaries_monthlyspending WHERE household_id = %s "
                "AND month = %s",
                [household.pk, month],
            )
            cursor.fetchone()


if __name__ == "__main__":
    sys.exit(main())
