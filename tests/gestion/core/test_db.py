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
