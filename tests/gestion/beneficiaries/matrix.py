from __future__ import annotations

from datetime import date

from cabas.gestion.beneficiaries.models import Household, Quota
from tests.gestion.matrix import EVERY_ROLE, MANAGER_ONLY, Row, answers, object_of_shop_a


def household_a(world) -> dict[str, int]:
    from tests.gestion.beneficiaries.factories import make_household

    household = Household.objects.filter(store=world.store_a).first() or make_household(
        world.store_a, admit=(date(2026, 1, 1), date(2026, 6, 30))
    )
    return {"pk": household.pk}


def quota_a(world) -> dict[str, int]:
    from cabas.gestion.catalog.services import category_create

    quota = Quota.objects.filter(store=world.store_a).first()
    if quota is None:
        category = category_create(store=world.store_a, name="Huiles")
        quota = Quota.objects.create(
            store=world.store_a, category=category, label="Huile", base_quantity=2
        )
    return {"pk": quota.pk}


FILE = object_of_shop_a(MANAGER_ONLY)
# A POST action answers with a redirect to the file (its message says what happened).
ACTION = answers(manager=302, stock=403, cashier=403, other=404)

ROWS = [
    # Everyone who may look a household up; cashiers get the limited look-up on the same URL.
    Row("beneficiaries:list", EVERY_ROLE),
    Row("beneficiaries:create", MANAGER_ONLY),
    Row("beneficiaries:ending", MANAGER_ONLY),
    Row("beneficiaries:cards", MANAGER_ONLY),
    Row("beneficiaries:settings", MANAGER_ONLY),
    Row("beneficiaries:quotas", MANAGER_ONLY),
    Row("beneficiaries:quota_add", MANAGER_ONLY),
    Row("beneficiaries:quota_edit", object_of_shop_a(MANAGER_ONLY), kwargs=quota_a),
    Row(
        "beneficiaries:quota_delete",
        answers(manager=302, stock=403, cashier=403, other=404),
        kwargs=quota_a,
        method="post",
    ),
    Row("beneficiaries:detail", FILE, kwargs=household_a),
    Row("beneficiaries:edit", FILE, kwargs=household_a),
    Row("beneficiaries:members", FILE, kwargs=household_a),
    Row("beneficiaries:funder_answers", FILE, kwargs=household_a),
    Row("beneficiaries:admit", FILE, kwargs=household_a),
    Row("beneficiaries:renew", ACTION, kwargs=household_a, method="post"),
    Row("beneficiaries:suspend", ACTION, kwargs=household_a, method="post"),
    Row("beneficiaries:resume", ACTION, kwargs=household_a, method="post"),
    Row("beneficiaries:budget", FILE, kwargs=household_a),
    Row("beneficiaries:spending", FILE, kwargs=household_a),
    Row("beneficiaries:card", FILE, kwargs=household_a),
    Row("beneficiaries:card_reissue", ACTION, kwargs=household_a, method="post"),
    Row("beneficiaries:privacy", FILE, kwargs=household_a),
    Row("beneficiaries:export", FILE, kwargs=household_a),
    Row("beneficiaries:export_pdf", FILE, kwargs=household_a),
]

ROWS += [
    Row("beneficiaries:import", MANAGER_ONLY),
    Row("beneficiaries:import_template", MANAGER_ONLY),
]
ROWS += [Row("beneficiaries:erase", ACTION, kwargs=household_a, method="post")]
