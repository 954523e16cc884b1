"""The stock ledger at scale: a product's movement history (query and page) and
``check_stock``, each next to the bare SQL that returns the same rows, in the same run.

    .venv/bin/python bench/stock_ledger.py            # 20,000 products, 1,000,000 movements
    .venv/bin/python bench/stock_ledger.py --small    # 2,000 products, 100,000 movements
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cabas_bench_stock \
        .venv/bin/python bench/stock_ledger.py
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import _stockdata
from _stockdata import fmt_ms, percentile

HISTORY_SQL = """
SELECT m.id, m.kind, m.quantity, m.occurred_at, m.document_type, m.document_id, m.reason,
       m.lot_id, l.dlc, l.ddm, l.received_at, u.username
FROM stock_stockmovement m
LEFT JOIN stock_lot l ON l.id = m.lot_id
LEFT JOIN accounts_user u ON u.id = m.created_by_id
WHERE m.store_id = %s AND m.product_id = %s
ORDER BY m.occurred_at DESC, m.id DESC
LIMIT 50
"""
LEDGER_SQL = (
    "SELECT product_id, SUM(quantity) FROM stock_stockmovement WHERE store_id = %s "
    "GROUP BY product_id"
)


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def report(label: str, samples: list[float], baseline: list[float]) -> None:
    p50, p95 = percentile(samples, 50), percentile(samples, 95)
    b50, b95 = percentile(baseline, 50), percentile(baseline, 95)
    print(
        f"{label:<38} p50 {fmt_ms(p50)}  p95 {fmt_ms(p95)}   | bare SQL p50 {fmt_ms(b50)}"
        f"  p95 {fmt_ms(b95)}   ratio p95 {p95 / b95 if b95 else float('nan'):5.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2,000 products, 100,000 movements")
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--movements", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    if args.small:
        args.products, args.movements, args.samples = 2_000, 100_000, 100

    url = _stockdata.django_setup("stock_ledger")
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from cabas.gestion.catalog.models import Product
    from cabas.gestion.stock import selectors

    shop = _stockdata.ensure_stock_data(products=args.products, movements=args.movements)
    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    print(
        f"shop: {len(shop.product_ids):,} products, {shop.movements:,} movements "
        f"(ready in {shop.built_seconds:.1f} s)"
    )
    rng = random.Random(7)
    # The busiest products first (the generator skews sales towards them), then any product.
    sample = shop.product_ids[:20] + rng.sample(
        shop.product_ids, min(args.samples, len(shop.product_ids))
    )
    products = Product.objects.in_bulk(sample)
    store = shop.store

    def orm_history(pk: int) -> None:
        selectors.movements_with_documents(selectors.product_movements(store, products[pk])[:50])

    def sql_history(pk: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(HISTORY_SQL, [store.pk, pk])
            cursor.fetchall()

    for pk in sample[:10]:  # warm the caches and the plans
        orm_history(pk)
        sql_history(pk)
    orm = [timed(lambda pk=pk: orm_history(pk), 1)[0] for pk in sample]
    bare = [timed(lambda pk=pk: sql_history(pk), 1)[0] for pk in sample]
    report("history: 50 latest movements (ORM)", orm, bare)

    client = Client()
    client.force_login(shop.user)

    def page(pk: int) -> None:
        response = client.get(reverse("stock:product_movements", args=[pk]))
        assert response.status_code == 200, response.status_code

    for pk in sample[:5]:
        page(pk)
    pages = [timed(lambda pk=pk: page(pk), 1)[0] for pk in sample]
    report("history page rendered (test client)", pages, bare)

    runs = 3 if args.small else 5
    check = timed(lambda: selectors.stock_levels_check(store=store), runs)

    def ledger_sql() -> None:
        with connection.cursor() as cursor:
            cursor.execute(LEDGER_SQL, [store.pk])
            cursor.fetchall()

    ledger = timed(ledger_sql, runs)
    differences = selectors.stock_levels_check(store=store)
    print(
        f"{'check_stock (products + lots)':<38} median {fmt_ms(statistics.median(check))}"
        f"          | bare SUM GROUP BY median {fmt_ms(statistics.median(ledger))}"
        f"   ratio {statistics.median(check) / statistics.median(ledger):5.1f}x"
        f"   ({len(differences)} difference(s))"
    )


if __name__ == "__main__":
    main()
