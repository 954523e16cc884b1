"""`core.db`: statements held back and sent together on PostgreSQL, the plain cursor elsewhere."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction

from cabas.gestion.core.db import BatchedCursor, batched_cursor, can_batch, check_rowcount
from tests.conftest import statements_sent

pytestmark = pytest.mark.django_db

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="several statements per query: PostgreSQL only"
)


@pytest.fixture
def table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE core_db_probe (id integer PRIMARY KEY, label text, at text)")
    yield "core_db_probe"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE core_db_probe")


def test_the_plain_cursor_outside_postgresql_and_the_batch_on_it():
    with batched_cursor() as cursor:
        assert isinstance(cursor, BatchedCursor) == can_batch()
    assert can_batch() == (connection.vendor == "postgresql")


@needs_postgres
def test_statements_wait_until_a_result_is_read_then_go_in_one_query(table):
    hostile = "l'épicerie \"; DROP TABLE core_db_probe; -- 100 % bio\\ \u00a0"
    with statements_sent() as calls, transaction.atomic(), batched_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, label, at) VALUES (%s, %s, %s)", [1, hostile, None]
        )
        cursor.execute(
            f"INSERT INTO {table} (id, label, at) VALUES (%s, %s, %s), (%s, %s, %s)",
            [2, "", datetime(2026, 12, 2, 9, 30, tzinfo=UTC), 3, "x", str(uuid.UUID(int=7))],
        )
        assert calls == []
        cursor.execute(f"SELECT id, label, at FROM {table} ORDER BY id")
        rows = cursor.fetchall()
        assert len(calls) == 1
        cursor.execute(f"UPDATE {table} SET label = %s WHERE id > %s", ["y", 1])
    assert len(calls) == 2  # the last statement went when the block ended
    assert rows[0] == (1, hostile, None)
    assert rows[1][0] == 2 and rows[1][2].startswith("2026-12-02")
    assert rows[2] == (3, "x", str(uuid.UUID(int=7)))
    with connection.cursor() as plain:
        plain.execute(f"SELECT label FROM {table} ORDER BY id")
        assert [label for (label,) in plain.fetchall()] == [hostile, "y", "y"]


@needs_postgres
def test_a_failing_statement_raises_as_the_plain_cursor_and_nothing_stays(table):
    with pytest.raises(IntegrityError), transaction.atomic(), batched_cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (id) VALUES (%s)", [1])
        cursor.execute(f"INSERT INTO {table} (id) VALUES (%s)", [1])
        cursor.execute(f"SELECT count(*) FROM {table}")
        cursor.fetchone()
    with connection.cursor() as plain:
        plain.execute(f"SELECT count(*) FROM {table}")
        assert plain.fetchone() == (0,)


@needs_postgres
def test_a_row_count_is_checked_when_the_batch_goes(table):
    error = ValidationError("Un des produits n'existe pas dans cette épicerie.")
    with pytest.raises(ValidationError), transaction.atomic(), batched_cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (id) VALUES (%s), (%s)", [1, 2])
        cursor.execute(f"UPDATE {table} SET label = %s WHERE id IN (%s, %s, %s)", ["z", 1, 2, 3])
        check_rowcount(cursor, 3, error)
        cursor.execute(f"SELECT 1 FROM {table}")
        cursor.fetchall()
    with transaction.atomic(), batched_cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (id) VALUES (%s), (%s)", [1, 2])
        cursor.execute(f"UPDATE {table} SET label = %s WHERE id IN (%s, %s)", ["z", 1, 2])
        check_rowcount(cursor, 2, error)
        assert cursor.rowcount == 2


@needs_postgres
def test_only_plain_placeholders_are_batched(table):
    with transaction.atomic(), batched_cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE label LIKE 'a%%' AND id = %s", [1])
        with pytest.raises(ValueError, match="placeholders"):
            cursor.fetchall()
        with pytest.raises(ValueError, match="more parameters"):
            cursor.execute("SELECT %s", [1, 2])
            cursor.flush()
        with pytest.raises(ValueError, match="fewer parameters"):
            cursor.execute("SELECT %s, %s", [1])
            cursor.flush()


@needs_postgres
def test_a_value_the_database_cannot_take_raises_djangos_error(table):
    with pytest.raises(DataError), transaction.atomic(), batched_cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (id, label) VALUES (%s, %s)", [1, "nul \x00 here"])


def test_a_plain_cursor_checks_its_row_count_at_once(table):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (id) VALUES (%s)", [1])
        with pytest.raises(ValidationError):
            check_rowcount(cursor, 2, ValidationError("non"))


@needs_postgres
def test_the_values_written_without_psycopg_are_the_text_psycopg_writes():
    from psycopg.adapt import Transformer
    from psycopg.types.numeric import Int4, Int8

    values = [
        0,
        7,
        -7,
        2**62,
        -(2**62),
        Int4(-3),
        Int8(2**40),
        None,
        "",
        "l'épicerie",
        "''",
        "a\\b",
        "€ \u00a0",
    ]
    values += [
        uuid.UUID("6f1c1b1e-8a55-4c1e-9d8e-2b8f3c0a7d11"),
        True,
        datetime(2024, 5, 1, tzinfo=UTC),
    ]
    with connection.cursor() as plain:
        batched = BatchedCursor(plain)
        literal = Transformer(plain.cursor).as_literal
        for value in values:
            expected = "NULL" if value is None else literal(value).decode()
            assert batched._merged(["SELECT %s"], [value]) == f"SELECT {expected};\n", value
            # And the database reads it back as the value.
            batched.execute("SELECT %s", [value])
            assert batched.fetchone()[0] == value


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fails", ["in_python", "in_the_database"])
def test_a_savepoint_undoes_its_item_alone_and_the_transaction_goes_on(fails):
    from cabas.gestion.core.db import Savepoint

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE core_db_savepoint (id integer PRIMARY KEY)")
    try:
        with transaction.atomic(), batched_cursor() as cursor:
            cursor.execute("INSERT INTO core_db_savepoint (id) VALUES (%s)", [1])
            first = Savepoint(cursor)
            cursor.execute("INSERT INTO core_db_savepoint (id) VALUES (%s)", [2])
            first.release()
            second = Savepoint(cursor)
            cursor.execute("INSERT INTO core_db_savepoint (id) VALUES (%s)", [3])
            try:
                if fails == "in_python":
                    raise ZeroDivisionError  # nothing of it sent yet on PostgreSQL
                cursor.execute("INSERT INTO core_db_savepoint (id) VALUES (%s)", [1])
                cursor.execute("SELECT 1")
                cursor.fetchone()
            except (ZeroDivisionError, IntegrityError):
                second.rollback()
            third = Savepoint(cursor)
            cursor.execute("INSERT INTO core_db_savepoint (id) VALUES (%s)", [4])
            third.release()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM core_db_savepoint ORDER BY id")
            assert [row[0] for row in cursor.fetchall()] == [1, 2, 4]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE core_db_savepoint")


# --- The hand-written SQL helpers (insert_rows, add_by_id, upsert_sql) on each engine --------


def test_insert_rows_writes_what_the_orm_would_and_gives_the_ids_back(world):
    from cabas.gestion.core.db import insert_rows
    from cabas.gestion.stores.models import Membership

    at = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    rows = [
        {"store_id": world.store_b.pk, "user_id": user.pk, "role": "cashier", "created_at": at}
        for user in (world.alice, world.bob)
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        ids = insert_rows(cursor, Membership, rows, returning=True)
    made = Membership.objects.filter(store=world.store_b, role="cashier").order_by("pk")
    assert [(m.user_id, m.created_at) for m in made] == [(world.alice.pk, at), (world.bob.pk, at)]
    if connection.features.can_return_rows_from_bulk_insert:
        assert ids == [m.pk for m in made]
    else:
        assert ids is None


def test_add_by_id_adds_in_the_database_to_the_shop_s_rows_only(world):
    from cabas.gestion.catalog.models import Product
    from cabas.gestion.catalog.services import category_create
    from cabas.gestion.core.db import add_by_id
    from tests.gestion.stock.conftest import make_product

    mine = make_product(world.store_a, category_create(store=world.store_a, name="Épicerie"))
    theirs = make_product(world.store_b, category_create(store=world.store_b, name="Épicerie"))
    with transaction.atomic(), connection.cursor() as cursor:
        add_by_id(cursor, Product, "stock_qty", {mine.pk: 5, theirs.pk: 7}, store_id=mine.store_id)
        assert cursor.rowcount == 1
        add_by_id(cursor, Product, "stock_qty", {mine.pk: -2}, store_id=mine.store_id)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.stock_qty, theirs.stock_qty) == (3, 0)


def test_upsert_sql_inserts_then_adds_replaces_and_keeps(world):
    from cabas.gestion.beneficiaries.models import MonthlySpending
    from cabas.gestion.core.db import upsert_returns, upsert_sql
    from tests.gestion.beneficiaries.factories import make_household

    household = make_household(world.store_a)
    columns = ("store_id", "household_id", "month", "spent_cents", "updated_at")
    returning = "spent_cents" if upsert_returns() else None
    add = upsert_sql(
        MonthlySpending,
        columns=columns,
        conflict=("household_id", "month"),
        add=("spent_cents",),
        replace=("updated_at",),
        returning=returning,
    )
    keep = upsert_sql(
        MonthlySpending,
        columns=columns,
        conflict=("household_id", "month"),
        keep=("spent_cents",),
        rows=2,
    )
    assert add is not None and keep is not None
    adapt = connection.ops.adapt_datetimefield_value
    first, later = datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 5, 2, tzinfo=UTC)
    key = (world.store_a.pk, household.pk)
    with transaction.atomic(), connection.cursor() as cursor:
        for amount, at in ((500, first), (-120, later)):
            cursor.execute(add, [*key, "2026-05", amount, adapt(at)])
            if returning:
                total = cursor.fetchone()[0]
        cursor.execute(keep, [*key, "2026-05", 999, adapt(first), *key, "2026-06", 0, adapt(first)])
    rows = MonthlySpending.objects.filter(household=household).order_by("month")
    assert [(r.month, r.spent_cents, r.updated_at) for r in rows] == [
        ("2026-05", 380, later),
        ("2026-06", 0, first),
    ]
    if returning:
        assert total == 380
    if not upsert_returns():  # MariaDB: nothing comes back from ON DUPLICATE KEY UPDATE
        with pytest.raises(ValueError, match="nothing back"):
            upsert_sql(MonthlySpending, columns=columns, conflict=(), returning="spent_cents")
