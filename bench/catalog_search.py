"""The catalogue at scale: barcode search, name search, the product list page and the product
page (with its stock panel), each next to the bare SQL that returns the same rows, in the same
run. The shop comes from ``_stockdata`` (20,000 products, 1,000,000 stock movements).

    .venv/bin/python bench/catalog_search.py            # 20,000 products, 1,000,000 movements
    .venv/bin/python bench/catalog_search.py --small    # 2,000 products, 100,000 movements
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/cabas_bench_catalog \
        .venv/bin/python bench/catalog_search.py
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable

import _stockdata
from _stockdata import fmt_ms, percentile

BARCODE_SQL = """
SELECT p.id, p.name, p.brand, p.unit, p.price_cents, p.stock_qty, p.active
FROM catalog_barcode b JOIN catalog_product p ON p.id = b.product_id
WHERE b.store_id = %s AND b.code = %s
"""
# The list's two queries: the count, then the first page (with both category levels).
NAME_COUNT_SQL = """
SELECT COUNT(*) FROM catalog_product p
WHERE p.store_id = %s AND p.active AND p.search_text LIKE %s AND p.search_text LIKE %s
"""
NAME_PAGE_SQL = """
SELECT p.id, p.name, p.brand, p.unit, p.price_cents, p.stock_qty, p.min_stock, p.origin,
       p.programme, p.active, c.name, pc.name
FROM catalog_product p
JOIN catalog_category c ON c.id = p.category_id
LEFT JOIN catalog_category pc ON pc.id = c.parent_id
WHERE p.store_id = %s AND p.active AND p.search_text LIKE %s AND p.search_text LIKE %s
ORDER BY p.name, p.id LIMIT 50
"""
LIST_COUNT_SQL = "SELECT COUNT(*) FROM catalog_product p WHERE p.store_id = %s AND p.active"
LIST_PAGE_SQL = """
SELECT p.id, p.name, p.brand, p.unit, p.price_cents, p.stock_qty, p.min_stock, p.origin,
       p.programme, p.active, c.name, pc.name
FROM catalog_product p
JOIN catalog_category c ON c.id = p.category_id
LEFT JOIN catalog_category pc ON pc.id = c.parent_id
WHERE p.store_id = %s AND p.active
ORDER BY p.name, p.id LIMIT 50 OFFSET %s
"""
PRODUCT_SQL = """
SELECT p.*, c.name, pc.name FROM catalog_product p
JOIN catalog_category c ON c.id = p.category_id
LEFT JOIN catalog_category pc ON pc.id = c.parent_id
WHERE p.store_id = %s AND p.id = %s
"""
BARCODES_SQL = "SELECT code, kind FROM catalog_barcode WHERE product_id = %s ORDER BY created_at"
LOTS_SQL = """
SELECT id, quantity, dlc, ddm, received_at FROM stock_lot
WHERE store_id = %s AND product_id = %s AND quantity > 0
"""
HISTORY_SQL = """
SELECT m.id, m.kind, m.quantity, m.occurred_at, m.document_type, m.document_id, m.lot_id
FROM stock_stockmovement m
WHERE m.store_id = %s AND m.product_id = %s
ORDER BY m.occurred_at DESC, m.id DESC LIMIT 20
"""


def sample_times(fn: Callable[[object], object], inputs: list) -> list[float]:  # type: ignore[type-arg]
    samples = []
    for value in inputs:
        start = time.perf_counter()
        fn(value)
        samples.append(time.perf_counter() - start)
    return samples


ROWS: list[tuple[str, float, float, float, float]] = []


def report(label: str, samples: list[float], baseline: list[float]) -> None:
    p50, p95 = percentile(samples, 50), percentile(samples, 95)
    b50, b95 = percentile(baseline, 50), percentile(baseline, 95)
    ROWS.append((label, p50, p95, b50, b95))
    print(
        f"{label:<40} p50 {fmt_ms(p50)}  p95 {fmt_ms(p95)}   | bare SQL p50 {fmt_ms(b50)}"
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

    url = _stockdata.django_setup("catalog_search")
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from cabas.gestion.catalog.selectors import product_find_by_barcode, product_search
    from cabas.gestion.catalog.services import search_key

    shop = _stockdata.ensure_stock_data(products=args.products, movements=args.movements)
    store = shop.store
    # Planner statistics, as a maintained database has them (PostgreSQL's autovacuum keeps
    # them; an SQLite deployment runs ANALYZE or PRAGMA optimize): without them SQLite walks
    # a (store, …) index for a LIKE search instead of scanning the table.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk load: the visibility map lets the list's
            # index-only scans skip the table.
            cursor.execute("VACUUM ANALYZE catalog_product")
        cursor.execute("ANALYZE")
    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"shop: {len(shop.product_ids):,} products, {shop.movements:,} movements "
        f"(ready in {shop.built_seconds:.1f} s); {args.samples} samples per figure"
    )
    rng = random.Random(11)

    def sql(query: str, params: list) -> list:  # type: ignore[type-arg]
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()

    # Barcode search: the selector the till's server side and the scan fields use.
    codes = rng.choices(shop.barcodes, k=args.samples)
    for code in codes[:10]:
        product_find_by_barcode(store, code)
        sql(BARCODE_SQL, [store.pk, code])
    orm = sample_times(lambda code: product_find_by_barcode(store, code), codes)
    bare = sample_times(lambda code: sql(BARCODE_SQL, [store.pk, code]), codes)
    assert (
        product_find_by_barcode(store, codes[0]).product.pk
        == sql(  # type: ignore[union-attr]
            BARCODE_SQL, [store.pk, codes[0]]
        )[0][0]
    )
    report("barcode search (selector)", orm, bare)

    # Name search: two words of a product name, as typed ("lentilles bio"); count + page 1.
    queries = []
    for name in rng.choices(shop.names, k=args.samples):
        words = search_key(name).split()
        queries.append(" ".join(words[:2]))

    def orm_name(query: str) -> list:  # type: ignore[type-arg]
        products = product_search(store, query)
        products.count()
        return list(products[:50])

    def bare_name(query: str) -> list:  # type: ignore[type-arg]
        first, second = (f"%{word}%" for word in search_key(query).split()[:2])
        sql(NAME_COUNT_SQL, [store.pk, first, second])
        return sql(NAME_PAGE_SQL, [store.pk, first, second])

    for query in queries[:10]:
        orm_name(query)
        bare_name(query)
    assert [p.pk for p in orm_name(queries[0])] == [row[0] for row in bare_name(queries[0])]
    report(
        "name search, count + first 50 (selector)",
        sample_times(orm_name, queries),
        sample_times(bare_name, queries),
    )

    client = Client()
    client.force_login(shop.user)
    list_url = reverse("catalog:product_list")
    pages = [rng.randint(1, max(1, args.products // 50)) for _ in range(args.samples)]

    def list_page(page: int) -> None:
        response = client.get(list_url, {"page": page})
        assert response.status_code == 200, response.status_code

    def bare_list(page: int) -> list:  # type: ignore[type-arg]
        sql(LIST_COUNT_SQL, [store.pk])
        return sql(LIST_PAGE_SQL, [store.pk, (page - 1) * 50])

    for page in pages[:5]:
        list_page(page)
    report(
        "product list page, any page (render)",
        sample_times(list_page, pages),
        sample_times(bare_list, pages),
    )

    def search_page(query: str) -> None:
        response = client.get(list_url, {"q": query}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, response.status_code

    report(
        "list search as you type (HTMX render)",
        sample_times(search_page, queries),
        sample_times(bare_name, queries),
    )

    # The product page: the busiest products (most movements) first, then any.
    sample = shop.product_ids[:20] + rng.sample(
        shop.product_ids, min(args.samples, len(shop.product_ids))
    )

    def product_page(pk: int) -> None:
        response = client.get(reverse("catalog:product_detail", args=[pk]))
        assert response.status_code == 200, response.status_code

    def bare_product(pk: int) -> None:
        sql(PRODUCT_SQL, [store.pk, pk])
        sql(BARCODES_SQL, [pk])
        sql(LOTS_SQL, [store.pk, pk])
        sql(HISTORY_SQL, [store.pk, pk])

    for pk in sample[:5]:
        product_page(pk)
    report(
        "product page with stock panel (render)",
        sample_times(product_page, sample),
        sample_times(bare_product, sample),
    )

    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    print()
    print(
        f"| figure ({connection.vendor}, {len(shop.product_ids):,} products, "
        f"{shop.movements:,} movements) | p50 | p95 | bare SQL p95 |"
    )
    print("| --- | ---: | ---: | ---: |")
    for label, p50, p95, _b50, b95 in ROWS:
        print(f"| {label} | {p50 * 1000:.1f} ms | {p95 * 1000:.1f} ms | {b95 * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
