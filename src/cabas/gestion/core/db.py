"""Fewer round trips to the database for the hot write paths (the till ticket intake), and
the hand-written SQL they run: a multi-row INSERT (:func:`insert_rows`), one UPDATE adding
to many rows (:func:`add_by_id`), an upsert (:func:`upsert_sql`), each with the differences
between engines in one place.

On PostgreSQL, psycopg's client-side binding cursor (Django's default) sends a query through
the simple query protocol, which runs several statements separated by semicolons in one round
trip. :class:`BatchedCursor` holds back the statements whose results nobody reads and sends
them with the next one whose result is read: a ticket's dozen statements cost four waits
instead of a dozen. Elsewhere (SQLite runs in-process; MariaDB's client refuses multiple
statements) :func:`batched_cursor` gives the plain cursor back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone


class BatchedCursor:
    """A cursor whose ``execute`` only queues; reading a result (``fetchone``, ``fetchall``,
    ``rowcount``) or :meth:`flush` sends the queued statements as one query, in their order,
    and reads the last statement's result. A statement that fails aborts the rest and raises
    as the plain cursor would (Django's ``IntegrityError`` for a duplicate key, and so on).

    A row count to check without a round trip of its own: :meth:`expect_rowcount` right after
    the statement; the check runs when the batch is sent.
    """

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self._statements: list[str] = []
        self._params: list[Any] = []
        self._checks: list[tuple[int, int, Exception]] = []
        self._literal: _Literals | None = None
        self.sends = 0
        """How many times queued statements were sent (a savepoint tells by it whether its
        ``SAVEPOINT`` reached the server)."""

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._statements.append(sql)
        if params:
            self._params.extend(params)

    def expect_rowcount(self, count: int, error: Exception) -> None:
        """Raise ``error`` when the batch is sent if the last queued statement did not touch
        exactly ``count`` rows."""
        if not self._statements:
            raise RuntimeError("expect_rowcount follows a queued statement")
        self._checks.append((len(self._statements) - 1, count, error))

    @property
    def pending(self) -> int:
        """How many statements are queued, not sent yet."""
        return len(self._statements)

    def mark(self) -> tuple[int, int, int]:
        """Where the queue stands now, for :meth:`discard`."""
        return len(self._statements), len(self._params), len(self._checks)

    def discard(self, mark: tuple[int, int, int] = (0, 0, 0)) -> None:
        """Drop the statements queued since ``mark`` (all of them by default), unsent."""
        statements, params, checks = mark
        del self._statements[statements:], self._params[params:], self._checks[checks:]

    def flush(self) -> None:
        if not self._statements:
            return
        statements, params, checks = self._statements, self._params, self._checks
        self._statements, self._params, self._checks = [], [], []
        cursor = self._cursor
        with cursor.db.wrap_database_errors:  # a value the adapters refuse: Django's DataError
            query = self._merged(statements, params)
        self.sends += 1
        cursor.execute(query)
        wanted = {index: (count, error) for index, count, error in checks}
        for index in range(len(statements)):
            if index and not cursor.nextset():  # pragma: no cover - the server skipped one
                raise RuntimeError("a statement of the batch returned no result")
            if index in wanted:
                count, error = wanted[index]
                if cursor.rowcount != count:
                    raise error

    def _merged(self, statements: list[str], params: list[Any]) -> str:
        """The statements with their parameters as literals, as psycopg's client-side binding
        makes them (its own adapters quote each value), but without its parse of the query
        for placeholders, which it caches only for short queries of at most 50 parameters and
        which then cost more than the round trip saved. The values of the hot paths (ints,
        plain strings, UUIDs, None: most of a ticket's 200-odd) are written here, to the same
        text psycopg writes; anything else goes through psycopg's adapters."""
        literals = self._literal
        if literals is None:
            literals = self._literal = _Literals(self._cursor.cursor)
        literals.seen.clear()  # ids are only sure within one batch, which keeps its values
        texts = [*map(literals, params)]
        merged: list[str] = []
        used = 0
        for sql in statements:
            template, count = _template(sql)
            if used + count > len(texts):
                raise ValueError("fewer parameters than placeholders in the batch")
            merged.append(template.format(*texts[used : used + count]))
            used += count
        if used != len(texts):
            raise ValueError("more parameters than placeholders in the batch")
        return ";\n".join(merged) + ";\n"

    def fetchone(self) -> Any:
        self.flush()
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        self.flush()
        rows: list[Any] = self._cursor.fetchall()
        return rows

    @property
    def rowcount(self) -> int:
        self.flush()
        return int(self._cursor.rowcount)


@lru_cache(maxsize=512)
def _template(sql: str) -> tuple[str, int]:
    """``sql`` as a ``str.format`` template, its ``%s`` placeholders as ``{}``, and their
    number (the hot paths' SQL is built with ``%s`` only)."""
    parts = sql.split("%s")
    if any("%" in part for part in parts):
        raise ValueError("only %s placeholders, and no other %, in a batched statement")
    escaped = [part.replace("{", "{{").replace("}", "}}") for part in parts]
    return "{}".join(escaped), len(parts) - 1


class _Literals:
    """One parameter as the SQL literal psycopg's client-side binding writes for it."""

    def __init__(self, cursor: Any) -> None:
        from psycopg.adapt import Transformer  # only installed with PostgreSQL
        from psycopg.types.numeric import Int2, Int4, Int8

        self._literal = Transformer(cursor).as_literal
        # Django hands integers to psycopg wrapped in these (for the server's typing): as
        # literals they are plain numbers all the same.
        self._ints = frozenset({int, Int2, Int4, Int8})
        # Quotes doubled, nothing else escaped: true only with standard strings.
        status = cursor.connection.pgconn.parameter_status(b"standard_conforming_strings")
        self._plain_strings = status == b"on"
        # The same object again (a ticket's time on each of its lines and movements) is
        # written once: cleared for each batch, whose parameters keep it alive (its id holds).
        self.seen: dict[int, str] = {}

    def __call__(self, value: Any) -> str:
        kind = type(value)
        if kind in self._ints:
            text = int.__repr__(value)
            # A space before a minus sign, as psycopg: "x -%s" must not become "x --1".
            return text if value >= 0 else " " + text
        if value is None:
            return "NULL"
        if kind is str and self._plain_strings and "\\" not in value and "\x00" not in value:
            return "'" + str(value).replace("'", "''") + "'"
        if kind is UUID:
            return f"'{value.hex}'::uuid"
        known = self.seen.get(id(value))
        if known is None:
            known = self.seen[id(value)] = self._literal(value).decode()
        return known


def can_batch() -> bool:
    """Whether the default database runs several statements in one query (PostgreSQL with
    client-side binding, Django's default; server-side binding uses the extended protocol,
    which takes one statement at a time)."""
    if connection.vendor != "postgresql":
        return False
    return not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")


@contextmanager
def batched_cursor() -> Iterator[Any]:
    """A cursor of the default database for a run of writes inside the caller's transaction:
    a :class:`BatchedCursor` where the database allows it, flushed when the block ends
    normally, else the plain cursor."""
    with connection.cursor() as cursor:
        if not can_batch():
            yield cursor
            return
        batched = BatchedCursor(cursor)
        yield batched
        batched.flush()


def flush_pending(cursor: Any) -> None:
    """Send what ``cursor`` holds back (a :class:`BatchedCursor`; a plain cursor holds
    nothing): before a read on another cursor, an ORM query, so that it runs after them."""
    if isinstance(cursor, BatchedCursor):
        cursor.flush()


def check_rowcount(cursor: Any, count: int, error: Exception) -> None:
    """Raise ``error`` unless the statement just executed on ``cursor`` touched ``count``
    rows: at once on a plain cursor, when the batch is sent on a :class:`BatchedCursor`."""
    if isinstance(cursor, BatchedCursor):
        cursor.expect_rowcount(count, error)
    elif cursor.rowcount != count:
        raise error


class Savepoint:
    """A savepoint of the caller's transaction opened on ``cursor`` (a :class:`BatchedCursor`
    or a plain cursor), for one item of a batch stored in one transaction (a till ticket):
    on a :class:`BatchedCursor` its ``SAVEPOINT`` and ``RELEASE`` are queued with the item's
    own statements, so a savepoint costs no round trip of its own (Django's
    ``atomic()`` sends each of them alone). :meth:`rollback` undoes the item alone: what was
    sent since the savepoint is rolled back, what is still queued is dropped.
    """

    def __init__(self, cursor: Any, name: str = "cabas_item") -> None:
        self.cursor = cursor
        self.name = connection.ops.quote_name(name)
        self._mark: tuple[int, int, int] | None = None
        self._sends = 0
        if isinstance(cursor, BatchedCursor):
            self._mark, self._sends = cursor.mark(), cursor.sends
        cursor.execute(f"SAVEPOINT {self.name}")

    def release(self) -> None:
        """Keep what the item wrote (queued on a :class:`BatchedCursor`: it goes with the next
        statements; a RELEASE of a savepoint that exists cannot fail)."""
        self.cursor.execute(f"RELEASE SAVEPOINT {self.name}")

    def rollback(self) -> None:
        """Undo what the item wrote, and leave the transaction usable for the next item."""
        cursor = self.cursor
        if isinstance(cursor, BatchedCursor):
            if cursor.sends == self._sends:  # the SAVEPOINT itself never left: nothing did
                assert self._mark is not None
                cursor.discard(self._mark)
                return
            cursor.discard()
        with connection.cursor() as plain:
            plain.execute(f"ROLLBACK TO SAVEPOINT {self.name}")
            plain.execute(f"RELEASE SAVEPOINT {self.name}")
        # As atomic() does when it rolls back to its own savepoint: the transaction is usable
        # again (an inner atomic(savepoint=False) the error went through had marked it broken).
        connection.needs_rollback = False


# --- Hand-written SQL of the hot write paths -------------------------------------------------

_INSERTS: dict[tuple[str, str, int, bool], str] = {}
_COLUMNS: dict[tuple[str, str, bool], list[tuple[str, str, Any, Any, frozenset[type]]]] = {}
_NOW = object()  # an auto_now_add column: the time of the INSERT, as Field.pre_save gives it


def _int_converter(field: models.Field[Any, Any]) -> Any:
    """What ``field.get_db_prep_save`` does to a plain ``int``, as one call, or None when that
    is not known exactly (the value then goes through the field)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.AutoField | models.BigAutoField | models.SmallAutoField):
        # AutoFieldMixin.get_db_prep_value: int(value), then the backend's check.
        return connection.ops.validate_autopk_value
    base = models.IntegerField
    if (
        isinstance(target, base)
        and type(target).get_db_prep_value is base.get_db_prep_value
        and type(target).get_prep_value is base.get_prep_value
    ):
        internal_type = target.get_internal_type()
        adapt = connection.ops.adapt_integerfield_value
        return lambda value: adapt(value, internal_type)
    return None


def _takes_str_as_is(field: models.Field[Any, Any]) -> bool:
    """A text column whose field hands a plain ``str`` (or None) to the database unchanged."""
    return (
        not isinstance(field, models.ForeignKey)
        and type(field).get_db_prep_value is models.Field.get_db_prep_value
        and type(field).get_prep_value
        in (models.CharField.get_prep_value, models.TextField.get_prep_value)
        and type(field).to_python in (models.CharField.to_python, models.TextField.to_python)
    )


def _converter(field: models.Field[Any, Any]) -> Any:
    """A one-argument function giving, for a Python value, what ``field.get_db_prep_save``
    gives the database: short cuts for the plain cases (an ``int``, a ``str``, an aware
    datetime, a UUID, None), the field's own chain of calls for anything else."""
    prep = field.get_db_prep_save
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if type(field).get_db_prep_save not in (
        models.Field.get_db_prep_save,
        models.ForeignKey.get_db_prep_save,
    ):
        return lambda value: prep(value, connection)
    to_int = _int_converter(field)
    if to_int is not None:
        return lambda value: (
            to_int(value)
            if type(value) is int
            else None
            if value is None
            else prep(value, connection)
        )
    if _takes_str_as_is(field):
        return lambda value: (
            value if value is None or type(value) is str else prep(value, connection)
        )
    if type(target) is models.UUIDField:
        native = connection.features.has_native_uuid_field
        return lambda value: (
            None
            if value is None
            else (value if native else value.hex)
            if type(value) is UUID
            else prep(value, connection)
        )
    if type(target) is models.DateTimeField:
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: (
            adapt(value)
            if type(value) is datetime and value.utcoffset() is not None
            else prep(value, connection)
        )
    return lambda value: prep(value, connection)


def _as_is(field: models.Field[Any, Any], batched: bool) -> frozenset[type]:
    """The types of value ``field`` hands to this database unchanged (None always): the
    converter need not be called for them. ``batched``: the values are written as SQL
    literals by a :class:`BatchedCursor`, where an ``int`` is a number whatever wraps it."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kinds: set[type] = {type(None)}
    if _takes_str_as_is(field):
        kinds.add(str)
    ops = type(connection.ops)
    plain_ints = (
        ops.adapt_integerfield_value is BaseDatabaseOperations.adapt_integerfield_value
        and ops.validate_autopk_value is BaseDatabaseOperations.validate_autopk_value
    )
    to_int = _int_converter(field)
    if to_int is not None and (plain_ints or batched):
        kinds.add(int)
    if type(target) is models.UUIDField and connection.features.has_native_uuid_field:
        kinds.add(UUID)
    if type(field).get_db_prep_save not in (
        models.Field.get_db_prep_save,
        models.ForeignKey.get_db_prep_save,
    ):
        return frozenset()
    return frozenset(kinds)


def _columns(
    model: type[Any], batched: bool = False
) -> list[tuple[str, str, Any, Any, frozenset[type]]]:
    """(attribute name, column, converter, default, types passed as they are) of the model's
    columns but an auto id; the default is what an unset attribute gets (``_NOW`` for
    auto_now_add, a callable for a callable default)."""
    key = (connection.vendor, model._meta.label, batched)
    columns = _COLUMNS.get(key)
    if columns is None:
        columns = []
        for f in model._meta.concrete_fields:
            if f.primary_key and isinstance(f, models.AutoField | models.BigAutoField):
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                default: Any = _NOW
            elif f.has_default() and callable(f.default):
                default = f.default
            else:
                default = f.get_default()
            columns.append((f.attname, f.column, _converter(f), default, _as_is(f, batched)))
        _COLUMNS[key] = columns
    return columns


def insert_rows(
    cursor: Any, model: type[Any], rows: Sequence[Mapping[str, Any]], *, returning: bool = False
) -> list[Any] | None:
    """One multi-row INSERT of these rows (attribute name → value) on ``cursor``, the SQL built
    once per model and row count: the ORM's `bulk_create` spends more time compiling a 5-row
    INSERT than the database running it. The values are those each field's own
    `get_db_prep_save` gives, as the ORM would send them (plain ints, strings, UUIDs and aware
    datetimes converted without the field's chain of calls, to the same values); an attribute
    a row leaves out gets the field's default.

    With ``returning``, the new ids in the rows' order where the database gives them back
    (``RETURNING``: PostgreSQL, SQLite, MariaDB), else None, as ``bulk_create`` does."""
    if not rows:
        return [] if returning else None
    returning = returning and connection.features.can_return_rows_from_bulk_insert
    columns = _columns(model, isinstance(cursor, BatchedCursor))
    key = (connection.vendor, model._meta.label, len(rows), returning)
    sql = _INSERTS.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        names = ", ".join(quote(column) for _a, column, _c, _d, _p in columns)
        row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = _INSERTS[key] = (
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES "  # noqa: S608
            + ", ".join([row] * len(rows))
            + (f" RETURNING {quote(model._meta.pk.column)}" if returning else "")
        )
    params: list[Any] = []
    append = params.append
    now: datetime | None = None
    missing = _NOW
    # A ticket's time is on each of its lines: converted once (SQLite and MariaDB write it
    # as text). ``rows`` keeps the values alive, so their ids hold.
    times: dict[int, Any] = {}
    for values in rows:
        for attname, _column, convert, default, as_is in columns:
            value = values.get(attname, missing)
            if type(value) in as_is:
                append(value)
                continue
            if value is missing:
                if default is _NOW:
                    now = now or timezone.now()
                    value = now
                else:
                    value = default() if callable(default) else default
            if type(value) is datetime:
                converted = times.get(id(value), missing)
                if converted is missing:
                    converted = times[id(value)] = convert(value)
                append(converted)
            else:
                append(convert(value))
    cursor.execute(sql, params)
    return [row[0] for row in cursor.fetchall()] if returning else None


_ADD_BY_ID: dict[tuple[str, str, str, int], str] = {}


def add_by_id(
    cursor: Any, model: type[Any], column: str, deltas: Mapping[int, int], *, store_id: int
) -> None:
    """``UPDATE table SET column = column + CASE id WHEN … THEN delta END WHERE store_id = %s
    AND id IN (…)``: one UPDATE adding to many rows of one shop, computed by the database on
    the row's current value, so a concurrent writer's change is never lost. Written as SQL
    (integers passed as parameters), built once per table and row count: compiling the ORM
    version cost more than running the statement. Check how many rows it touched with
    :func:`check_rowcount`."""
    if not deltas:
        return
    table = model._meta.db_table
    key = (connection.vendor, table, column, len(deltas))
    sql = _ADD_BY_ID.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        quoted, pk = quote(column), quote("id")
        whens = " ".join(["WHEN %s THEN %s"] * len(deltas))
        marks = ", ".join(["%s"] * len(deltas))
        sql = _ADD_BY_ID[key] = (
            f"UPDATE {quote(table)} SET {quoted} = {quoted} + CASE {pk} {whens} ELSE 0 END "  # noqa: S608
            f"WHERE {quote('store_id')} = %s AND {pk} IN ({marks})"
        )
    params: list[Any] = [value for pk_, delta in deltas.items() for value in (int(pk_), int(delta))]
    cursor.execute(sql, [*params, store_id, *map(int, deltas)])


_UPSERTS: dict[tuple[Any, ...], str | None] = {}


def upsert_returns(db: Any = None) -> bool:
    """Whether an upsert on ``db`` (a connection; the default one if None) gives columns back
    in the same statement: PostgreSQL, and SQLite from 3.35 (MariaDB's ``RETURNING`` does not
    follow ``ON DUPLICATE KEY UPDATE``)."""
    db = db if db is not None else connection
    return db.vendor != "mysql" and bool(db.features.can_return_columns_from_insert)


def upsert_sql(
    model: type[Any],
    *,
    columns: Sequence[str],
    conflict: Sequence[str],
    add: Sequence[str] = (),
    replace: Sequence[str] = (),
    keep: Sequence[str] = (),
    rows: int = 1,
    returning: str | None = None,
    db: Any = None,
) -> str | None:
    """``INSERT INTO table (columns) VALUES (%s, …) × rows``, and for a row whose ``conflict``
    key exists already: the new value added to the ``add`` columns, put in the ``replace``
    ones, and the ``keep`` ones set to themselves (a no-op update, which still locks the
    existing row). ``returning``: a column given back (only where :func:`upsert_returns`).
    Built once per shape and engine; None on an engine without an upsert (the caller does it
    with the ORM). MariaDB knows the conflict key from the table's unique index."""
    db = db if db is not None else connection
    key: tuple[Any, ...] = (db.vendor, model._meta.db_table, tuple(columns), tuple(conflict))
    key += (tuple(add), tuple(replace), tuple(keep), rows, returning)
    if key in _UPSERTS:
        return _UPSERTS[key]
    if returning is not None and not upsert_returns(db):
        raise ValueError("this database gives nothing back from an upsert")
    if db.vendor not in ("mysql", "postgresql", "sqlite"):
        _UPSERTS[key] = None
        return None
    quote = db.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(name) for name in columns)
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * rows)} "  # noqa: S608
    if db.vendor == "mysql":
        sets = [f"{quote(c)} = {quote(c)} + VALUES({quote(c)})" for c in add]
        sets += [f"{quote(c)} = VALUES({quote(c)})" for c in replace]
        sets += [f"{quote(c)} = {quote(c)}" for c in keep]
        sql += "ON DUPLICATE KEY UPDATE " + ", ".join(sets)
    else:
        sets = [f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in add]
        sets += [f"{quote(c)} = excluded.{quote(c)}" for c in replace]
        sets += [f"{quote(c)} = {table}.{quote(c)}" for c in keep]
        target = ", ".join(quote(c) for c in conflict)
        sql += f"ON CONFLICT ({target}) DO UPDATE SET " + ", ".join(sets)
        if returning is not None:
            sql += f" RETURNING {quote(returning)}"
    _UPSERTS[key] = sql
    return sql
