"""Fewer round trips to the database for the hot write paths (the till ticket intake).

On PostgreSQL, psycopg's client-side binding cursor (Django's default) sends a query through
the simple query protocol, which runs several statements separated by semicolons in one round
trip. :class:`BatchedCursor` holds back the statements whose results nobody reads and sends
them with the next one whose result is read: a ticket's dozen statements cost four waits
instead of a dozen. Elsewhere (SQLite runs in-process; MariaDB's client refuses multiple
statements) :func:`batched_cursor` gives the plain cursor back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any
from uuid import UUID

from django.db import connection


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
        return self._cursor.fetchall()

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
            return "'" + value.replace("'", "''") + "'"
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
