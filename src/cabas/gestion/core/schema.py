"""Schema steps for migrations that Django's own operations do too heavily."""

from __future__ import annotations

from typing import Any

from django.db import migrations

_OWN_INDEXES = ("postgresql", "sqlite")


def drop_own_index(table: str, column: str, name: str) -> migrations.RunPython:
    """Drop ``name``, the index of its own that a foreign key ``column`` got, now that
    composite indexes leading with the column serve its look-ups: one index fewer to write per
    row. Pair it with the field's ``AlterField(db_index=False)`` as a state operation
    (``SeparateDatabaseAndState``): Django's ``AlterField`` drops and re-adds the foreign key
    constraint, which checks every row of the table again under a lock that stops the
    tills' tickets (and copies the whole table on MariaDB). PostgreSQL and SQLite only: on
    MariaDB that index is the constraint's own (InnoDB needs one) and stays."""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor in _OWN_INDEXES:
            quote = schema_editor.quote_name
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor in _OWN_INDEXES:
            quote = schema_editor.quote_name
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} ({quote(column)})"
            )

    return migrations.RunPython(forward, backward, elidable=False)
