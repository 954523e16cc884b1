"""The busiest tables keep their foreign keys but not the indexes the composite ones make
redundant (`core.schema.drop_own_index`)."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

DROPPED = [
    ("sales_ticket", "store_id"),
    ("sales_anomaly", "store_id"),
    ("stock_stockmovement", "store_id"),
    ("beneficiaries_monthlyspending", "household_id"),
]


@pytest.mark.parametrize(("table", "column"), DROPPED)
def test_the_column_keeps_its_foreign_key_and_a_composite_index_leading_with_it(table, column):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    keys = [c for c in constraints.values() if c["foreign_key"] and c["columns"] == [column]]
    assert keys, f"{table}.{column} lost its foreign key"
    indexes = [c for c in constraints.values() if c["index"] or c["unique"]]
    assert any(c["columns"][0] == column and len(c["columns"]) > 1 for c in indexes)
    if connection.vendor != "mysql":  # on MariaDB the constraint's own index stays
        alone = [c for c in indexes if c["columns"] == [column] and not c["foreign_key"]]
        assert alone == [], f"{table}.{column} still has an index of its own"
