"""How fast a ticket's amount is added to a household's monthly spending.

Compares `services.spending_add` (one upsert statement) with the get_or_create + F() update it
replaced, against a raw-SQL baseline (a bare UPDATE of an existing row), in the same run.

    .venv/bin/python bench/spending_add.py [--small]       # SQLite in a temporary folder
    DATABASE_URL=postgres://… .venv/bin/python bench/spending_add.py   # a scratch database!
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="2 000 additions instead of 20 000")
    args = parser.parse_args()
    count = 2_000 if args.small else 20_000
    os.environ.setdefault("CABAS_VAR_DIR", tempfile.mkdtemp(prefix="cabas-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabas.gestion.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import F

    from cabas.gestion.beneficiaries import services
    from cabas.gestion.beneficiaries.models import MonthlySpending
    from cabas.gestion.stores.services import store_create

    call_command("migrate", verbosity=0)
    store = store_create(slug=f"bench-{int(time.time())}", name="Banc d'essai")
    households = [
        services.household_create(store=store, actor=None, data={"last_name": f"Foyer {i}"})
        for i in range(200)
    ]

    def timed(label: str, add: object) -> float:
        # One transaction around the loop: the figure is the statements' cost, not the disk's
        # fsync at each commit (which dominates on SQLite with synchronous=FULL).
        start = time.perf_counter()
        with transaction.atomic():
            for index in range(count):
                household = households[index % len(households)]
                add(household, f"2026-{index % 12 + 1:02d}")  # type: ignore[operator]
        elapsed = time.perf_counter() - start
        print(f"  {label:<44} {count / elapsed:>9,.0f} /s  {elapsed * 1e6 / count:>7.0f} µs")
        return elapsed

    def upsert(household: object, month: str) -> None:
        services.spending_add(store=store, household=household, month=month, amount_cents=7)

    def get_or_create_then_f(household: object, month: str) -> None:
        with transaction.atomic():
            row, created = MonthlySpending.objects.get_or_create(
                store=store, household=household, month=month, defaults={"spent_cents": 7}
            )
            if not created:
                MonthlySpending.objects.filter(pk=row.pk).update(spent_cents=F("spent_cents") + 7)

    table = MonthlySpending._meta.db_table

    def raw_update(household: object, month: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET spent_cents = spent_cents + 7 "
                "WHERE household_id = %s AND month = %s",
                [household.pk, month],  # type: ignore[attr-defined]
            )

    print(f"spending_add on {connection.vendor}, {count} additions over 200 households × 12 months")
    timed("services.spending_add (upsert, 1 statement)", upsert)
    timed("get_or_create + F() update (3-4 statements)", get_or_create_then_f)
    timed("baseline: raw UPDATE of an existing row", raw_update)
    total = sum(MonthlySpending.objects.filter(store=store).values_list("spent_cents", flat=True))
    assert total == 3 * count * 7, total  # every addition counted (the rows exist for UPDATE)


if __name__ == "__main__":
    main()
