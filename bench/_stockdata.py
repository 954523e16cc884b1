"""Bench data: a shop with N products (with EAN-13 barcodes and a lot each) and M stock
movements, made fast with raw multi-row INSERTs (SQLite) or COPY (PostgreSQL).

Used by the benchmarks (``bench/stock_*.py``, ``bench/catalog_search.py``)::

    import _stockdata
    _stockdata.django_setup("stock_ledger")          # before importing any model
    shop = _stockdata.ensure_stock_data(products=20_000, movements=1_000_000)

The database is ``BENCH_DATABASE_URL``, else ``DATABASE_URL``, else an SQLite file
``var/bench/<name>.sqlite3``; it is migrated, and a shop ``bench`` already holding exactly the
asked sizes is reused (a second run starts at once), otherwise rebuilt.
"""

from __future__ import annotations

import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_SLUG = "bench"
BENCH_PASSWORD = "tq8-Zorvex-plume-41"


def django_setup(name: str) -> str:
    """Point Django at the bench database, set it up and migrate it; returns the URL."""
    sys.path.insert(0, str(ROOT / "src"))
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder / f'{name}.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabas.gestion.settings")
    os.environ.setdefault("CABAS_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("CABAS_LOG_LEVEL", "WARNING")
    if url.startswith("postgres"):
        _create_postgres_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def _create_postgres_database(url: str) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    admin = psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


@dataclass
class BenchShop:
    store: Any
    user: Any
    product_ids: list[int]
    barcodes: list[str]
    names: list[str]
    movements: int
    built_seconds: float


def ensure_stock_data(
    *, products: int = 20_000, movements: int = 1_000_000, seed: int = 42
) -> BenchShop:
    """The bench shop with exactly these sizes, built if needed."""
    from cabas.gestion.catalog.models import Barcode, Product
    from cabas.gestion.stock.models import StockMovement
    from cabas.gestion.stores.models import Store

    store = Store.objects.filter(slug=BENCH_SLUG).first()
    started = time.perf_counter()
    if store is not None and (
        Product.objects.filter(store=store).count() != products
        or StockMovement.objects.filter(store=store).count() != movements
    ):
        _drop_shop(store)
    if store is None or not Product.objects.filter(store=store).exists():
        store = _build(store=store, products=products, movements=movements, seed=seed)
    else:
        _refresh_statistics()
    built = time.perf_counter() - started
    rows = list(
        Barcode.objects.filter(store=store)
        .order_by("product_id")
        .values_list("product_id", "code", "product__name")
    )
    return BenchShop(
        store=store,
        user=_bench_user(store),
        product_ids=[r[0] for r in rows],
        barcodes=[r[1] for r in rows],
        names=[r[2] for r in rows],
        movements=movements,
        built_seconds=built,
    )


def _refresh_statistics() -> None:
    """A reused database: fresh planner statistics (a migration may have rebuilt a table), and
    on SQLite the write-ahead log folded back into the file (reads through a large WAL are
    slower)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _bench_user(store: Any) -> Any:
    from cabas.gestion.accounts.models import User
    from cabas.gestion.stores.permissions import Role
    from cabas.gestion.stores.services import person_add

    user = User.objects.filter(username="bench-responsable").first()
    if user is None:
        user = person_add(
            store=store,
            actor=None,
            username="bench-responsable",
            role=Role.MANAGER,
            first_name="Bench",
            email="bench@example.org",
            password=BENCH_PASSWORD,
        ).user
    return user


def _drop_shop(store: Any) -> None:
    """Delete the bench shop's stock and catalogue rows (raw DELETEs: PROTECT FKs)."""
    from django.db import connection, transaction

    tables = [
        "stock_inventorycountline",
        "stock_inventorycount_categories",
        "stock_inventorycount",
        "stock_stockmovement",
        "stock_lot",
        "catalog_barcode",
        "catalog_product",
        "catalog_category",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            if table == "stock_inventorycount_categories":
                cursor.execute(
                    f"DELETE FROM {table} WHERE inventorycount_id IN "
                    "(SELECT id FROM stock_inventorycount WHERE store_id = %s)",
                    [store.pk],
                )
            elif table == "catalog_category":
                cursor.execute(
                    f"UPDATE {table} SET parent_id = NULL WHERE store_id = %s",
                    [store.pk],
                )
                cursor.execute(f"DELETE FROM {table} WHERE store_id = %s", [store.pk])
            else:
                cursor.execute(f"DELETE FROM {table} WHERE store_id = %s", [store.pk])


def ean13(n: int) -> str:
    from cabas.rules.barcodes import gtin_check_digit

    body = f"37{n:010d}"
    return body + str(gtin_check_digit(body))


WORDS = [
    "Pâtes",
    "Riz",
    "Lentilles",
    "Haricots",
    "Thon",
    "Sardines",
    "Lait",
    "Yaourt",
    "Fromage",
    "Café",
    "Thé",
    "Sucre",
    "Farine",
    "Huile",
    "Confiture",
    "Biscuits",
    "Céréales",
    "Compote",
    "Savon",
    "Shampooing",
    "Lessive",
    "Éponges",
    "Couches",
    "Petits pots",
    "Jus",
    "Eau",
    "Soupe",
    "Tomates",
    "Maïs",
    "Pois chiches",
    "Chocolat",
    "Miel",
    "Semoule",
    "Quinoa",
]
ADJECTIVES = [
    "bio",
    "complet",
    "nature",
    "léger",
    "familial",
    "éco",
    "premium",
    "doux",
    "fort",
    "vanille",
    "fraise",
    "citron",
    "classique",
    "maison",
    "solidaire",
]
BRANDS = [
    "",
    "Panzani",
    "Lustucru",
    "Bonduelle",
    "Danone",
    "Lactel",
    "Carrefour",
    "Auchan",
    "Leader Price",
    "Saupiquet",
    "Petit Navire",
    "Lu",
    "Blédina",
    "Ariel",
    "Dop",
]


def _build(*, store: Any, products: int, movements: int, seed: int) -> Any:
    from django.db import connection, transaction
    from django.utils import timezone

    from cabas.gestion.catalog.models import Barcode, Category, Product
    from cabas.gestion.catalog.services import search_key
    from cabas.gestion.stock.models import Lot
    from cabas.gestion.stores.services import store_create

    rng = random.Random(seed)
    now = timezone.now()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # Throwaway bench data: no need to wait for the disk; a big page cache.
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")
    with transaction.atomic():
        if store is None:
            store = store_create(slug=BENCH_SLUG, name="Épicerie de mesure")
        rayons = [
            Category.objects.create(store=store, name=f"Rayon {i}", position=i) for i in range(10)
        ]
        subs = [
            Category.objects.create(store=store, name=f"Sous-rayon {i}-{j}", parent=r, position=j)
            for i, r in enumerate(rayons)
            for j in range(5)
        ]
        batch: list[Product] = []
        for n in range(products):
            name = f"{rng.choice(WORDS)} {rng.choice(ADJECTIVES)} {n}"
            brand = rng.choice(BRANDS)
            batch.append(
                Product(
                    store=store,
                    name=name,
                    brand=brand,
                    category=rng.choice(subs),
                    unit="kg" if n % 25 == 0 else "piece",
                    price_cents=rng.randint(30, 900),
                    cost_cents=rng.randint(20, 600),
                    search_text=search_key(name, brand),
                )
            )
        Product.objects.bulk_create(batch, batch_size=2000)
        ids = list(Product.objects.filter(store=store).order_by("pk").values_list("pk", flat=True))
        Barcode.objects.bulk_create(
            [
                Barcode(store=store, product_id=pk, code=ean13(n), kind="ean13")
                for n, pk in enumerate(ids)
            ],
            batch_size=2000,
        )
        lots = Lot.objects.bulk_create(
            [
                Lot(
                    store=store,
                    product_id=pk,
                    dlc=(now + timedelta(days=rng.randint(-5, 60))).date(),
                    received_at=now - timedelta(days=365),
                    quantity=0,
                )
                for pk in ids
            ],
            batch_size=2000,
        )
        lot_of = {lot.product_id: lot.pk for lot in lots}
        rows = _movement_rows(rng, store.pk, ids, lot_of, movements, now)
        if connection.vendor == "postgresql":
            _copy_postgres(rows)
        else:
            _insert_multirow(rows)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE catalog_product SET stock_qty = COALESCE((SELECT SUM(m.quantity) FROM "
                "stock_stockmovement m WHERE m.product_id = catalog_product.id), 0) "
                "WHERE store_id = %s",
                [store.pk],
            )
            cursor.execute(
                "UPDATE stock_lot SET quantity = COALESCE((SELECT SUM(m.quantity) FROM "
                "stock_stockmovement m WHERE m.lot_id = stock_lot.id), 0) WHERE store_id = %s",
                [store.pk],
            )
    _refresh_statistics()
    if connection.vendor == "sqlite":
        # The timed part must run as the shop does: a new connection takes the project's
        # pragmas again (synchronous=FULL, the default page cache).
        connection.close()
    return store


COLUMNS = (
    "store_id",
    "product_id",
    "lot_id",
    "kind",
    "quantity",
    "created_by_id",
    "created_at",
    "occurred_at",
    "document_type",
    "document_id",
    "refunded_document_id",
    "reason",
)


def _movement_rows(
    rng: random.Random,
    store_id: int,
    ids: list[int],
    lot_of: dict[int, int],
    count: int,
    now: datetime,
) -> list[tuple]:
    """A reception (into the product's lot) per product, then sales mostly, some receptions
    and losses, a year long; a few products sell much more than others."""
    rows: list[tuple] = []
    start = now - timedelta(days=365)
    for pk in ids[: min(len(ids), count)]:
        rows.append(
            (
                store_id,
                pk,
                lot_of[pk],
                "reception",
                500,
                None,
                start,
                start,
                "stock.lot",
                str(lot_of[pk]),
                "",
                "",
            )
        )
    weights = [1.0 / (1 + (i % 100)) for i in range(len(ids))]
    chosen = rng.choices(ids, weights=weights, k=max(count - len(rows), 0))
    span = 365 * 24 * 3600
    for i, pk in enumerate(chosen):
        when = start + timedelta(seconds=rng.randrange(span))
        roll = i % 20
        if roll == 0:
            kind, qty, doc = "reception", 24, ("purchasing.delivery", str(i // 200))
        elif roll == 1:
            kind, qty, doc = "loss", -1, ("", "")
        else:
            kind, qty, doc = "sale", -rng.randint(1, 3), ("sale.ticket", f"bench-{i // 5}")
        rows.append((store_id, pk, None, kind, qty, None, when, when, doc[0], doc[1], "", ""))
    return rows


def _insert_multirow(rows: list[tuple], per_statement: int = 500) -> None:
    """Multi-row INSERTs (SQLite's limit is 32766 variables: 500 rows × 12 columns)."""
    from django.db import connection

    sql_head = f"INSERT INTO stock_stockmovement ({', '.join(COLUMNS)}) VALUES "
    one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), per_statement):
            chunk = rows[i : i + per_statement]
            params: list[Any] = []
            for row in chunk:
                params.extend(_db_row(row))
            cursor.execute(sql_head + ", ".join([one] * len(chunk)), params)


def _db_row(row: tuple) -> tuple:
    # SQLite stores Django's aware datetimes as naive UTC text.
    return tuple(
        v.astimezone(UTC).replace(tzinfo=None).isoformat(" ") if isinstance(v, datetime) else v
        for v in row
    )


def _copy_postgres(rows: list[tuple]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY stock_stockmovement ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def ensure_households(store: Any, wanted: int) -> None:
    """`wanted` households of `store` with their rights open (the snapshot benches')."""
    from django.utils import timezone

    from cabas.gestion.beneficiaries import codes
    from cabas.gestion.beneficiaries.models import Household, MonthlySpending

    if Household.objects.filter(store=store).count() == wanted:
        return
    MonthlySpending.objects.filter(store=store).delete()
    Household.objects.filter(store=store).delete()
    today = timezone.localdate()
    Household.objects.bulk_create(
        [
            Household(
                store=store,
                code=codes.generate(),
                label=f"FOYER {n} M.",
                last_name=f"Foyer {n}",
                monthly_budget_cents=4000 + n % 5 * 1000,
                adults=1 + n % 3,
                children=n % 4,
                rights_start=today - timedelta(days=90),
                rights_end=today + timedelta(days=270),
            )
            for n in range(wanted)
        ],
        batch_size=2000,
    )
