"""On PostgreSQL, a trigram index on ``Product.search_text``: the name search is a
``LIKE '%word%'`` per word, which a B-tree cannot serve; with pg_trgm the planner answers it
from the index instead of reading the whole catalogue. Other databases keep the plain scan.

``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database owner may create it. Where it
cannot be created the migration goes on without the index (the search stays correct, only
slower) rather than block the upgrade.
"""

from __future__ import annotations

from django.db import migrations, transaction

INDEX = "catalog_product_search_trgm"


def create_trigram_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 - no right to create it: keep the plain scan
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_product "
        "USING gin (search_text gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_product_list_index")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
