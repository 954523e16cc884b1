"""`GET snapshot` at scale: a shop with 20,000 products and 10,000 households. Time to build
the full snapshot, its size raw and gzipped, and the size of a delta after 10 changes; next to
a baseline that reads the same rows with bare SQL and dumps them, in the same run.

    .venv/bin/python bench/snapshot.py
    .venv/bin/python bench/snapshot.py --small
    .venv/bin/python bench/snapshot.py --quotas             # the shop defines three quotas
    .venv/bin/python bench/snapshot.py --database-url postgres://postgres@127.0.0.1:5432/cabas_bench_snapshot
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from datetime import timedelta

import _stockdata


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="2,000 products, 1,000 households")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--quotas", action="store_true", help="the shop defines 3 quotas (product, rayon, kg)"
    )
    args = parser.parse_args()
    if args.small:
        args.products, args.households = 2_000, 1_000
    if args.database_url:
        os.environ["BENCH_DATABASE_URL"] = args.database_url
    # As in production: with DEBUG on, Django records every statement, which costs the
    # intake (more statements) more than the baseline.
    os.environ.setdefault("CABAS_DEBUG", "false")
    url = _stockdata.django_setup("snapshot")

    from django.db import connection
    from django.utils import timezone

    from cabas.gestion.beneficiaries.models import Household
    from cabas.gestion.catalog.models import Product
    from cabas.gestion.tillapi.snapshot import build_snapshot

    bench = _stockdata.ensure_stock_data(products=args.products, movements=args.products * 5)
    store = bench.store
    _stockdata.ensure_households(store, args.households)
    # Data written long ago, as in a shop in use: the delta sees only the changes below.
    long_ago = timezone.now() - timedelta(days=2)
    Product.objects.filter(store=store).update(updated_at=long_ago)
    Household.objects.filter(store=store).update(updated_at=long_ago)
    from django.conf import settings

    settings.CABAS_SNAPSHOT_CURSOR_MARGIN = 5
    _set_quotas(store, args.quotas)
    print(f"database: {connection.vendor} ({url.split('@')[-1]})")
    print(f"shop: {args.products:,} products, {args.households:,} households")

    timings, cpu = [], []
    for _ in range(args.runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        built = build_snapshot(store)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    started = time.perf_counter()
    zipped = gzip.compress(built.body, compresslevel=6)
    gzip_time = time.perf_counter() - started
    baseline, baseline_cpu = [], []
    for _ in range(args.runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        _bare_sql(store.pk)
        baseline.append(time.perf_counter() - started)
        baseline_cpu.append(time.process_time() - cpu_started)

    cursor = json.loads(built.body)["cursor"]
    time.sleep(6)  # past the cursor's margin
    products = list(Product.objects.filter(store=store).order_by("pk")[:5])
    for product in products:
        product.price_cents += 10
        product.save(update_fields=["price_cents", "updated_at"])
    for household in Household.objects.filter(store=store).order_by("pk")[:5]:
        household.monthly_budget_cents += 500
        household.save(update_fields=["monthly_budget_cents", "updated_at"])
    delta = build_snapshot(store, cursor)
    data = json.loads(delta.body)
    assert data["full"] is False

    print(
        f"full snapshot built in   median {statistics.median(timings) * 1000:7.0f} ms "
        f"(target < 1000 ms; runs {min(timings) * 1000:.0f}-{max(timings) * 1000:.0f}) | "
        f"bare SQL read + dump {statistics.median(baseline) * 1000:5.0f} ms"
    )
    print(
        f"  CPU time of this process: median {statistics.median(cpu) * 1000:7.0f} ms "
        f"| bare SQL read + dump {statistics.median(baseline_cpu) * 1000:5.0f} ms "
        "(the database server's time is not in it)"
    )
    print(
        f"full snapshot size       {len(built.body) / 1e6:7.2f} MB raw, "
        f"{len(zipped) / 1e6:5.2f} MB gzipped (target < 1.5 MB; gzip {gzip_time * 1000:.0f} ms)"
    )
    print(
        f"delta after 10 changes   {len(delta.body):7,} bytes raw, "
        f"{len(gzip.compress(delta.body)):,} gzipped (target < 5 KB): "
        f"{len(data['products'])} products, {len(data['beneficiaries'])} households"
    )


def _set_quotas(store: object, wanted: bool) -> None:
    """Three quotas (a product in pieces, a rayon in pieces, a rayon in kilos), or none."""
    from cabas.gestion.beneficiaries.models import Quota
    from cabas.gestion.beneficiaries.services import quota_save
    from cabas.gestion.catalog.models import Category, Product

    Quota.objects.filter(store=store).delete()
    if not wanted:
        return
    product = Product.objects.filter(store=store).order_by("pk").first()
    rayon = Category.objects.filter(store=store, parent__isnull=True).order_by("pk").first()
    assert product is not None and rayon is not None
    for data in (
        {"product": product, "label": "Produit", "base_quantity": 2, "per_extra_person": 1},
        {"category": rayon, "label": "Rayon", "base_quantity": 10, "per_extra_person": 2},
        {"category": rayon, "label": "Vrac", "unit": "kg", "base_quantity": 3000},
    ):
        quota_save(store=store, actor=None, data=data)  # type: ignore[arg-type]


def _bare_sql(store_id: int) -> bytes:
    """The same rows read with bare SQL and dumped as JSON (no per-item logic)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name, category_id, unit, price_cents, stock_qty, active, origin, rate_bp "
            "FROM catalog_product WHERE store_id = %s ORDER BY id",
            [store_id],
        )
        products = cursor.fetchall()
        cursor.execute(
            "SELECT product_id, code FROM catalog_barcode WHERE store_id = %s", [store_id]
        )
        barcodes = cursor.fetchall()
        cursor.execute(
            "SELECT product_id, MIN(dlc) FROM stock_lot WHERE store_id = %s AND quantity > 0 "
            "GROUP BY product_id",
            [store_id],
        )
        dlcs = cursor.fetchall()
        cursor.execute(
            "SELECT code, label, rights_start, rights_end, monthly_budget_cents, rate_bp "
            "FROM beneficiaries_household WHERE store_id = %s",
            [store_id],
        )
        households = cursor.fetchall()
    return json.dumps([products, barcodes, dlcs, households], default=str).encode()


if __name__ == "__main__":
    sys.exit(main())
