# ruff: noqa: F811  (the shop fixtures are imported from tests.gestion.sales.conftest)
"""`GET snapshot`: the device's shop only, deltas since a cursor, ETag, gzip."""

from __future__ import annotations

import gzip
import json

import pytest

from cabas.gestion.beneficiaries.services import household_update
from cabas.gestion.catalog.services import category_create, category_delete, product_update
from cabas.gestion.pos.services import cashier_pin_set
from cabas.gestion.stores.services import membership_update
from cabas.protocol import Snapshot
from cabas.rules.pins import verify_pin
from tests.gestion.sales.conftest import make_shop, shop_a, shop_b, ticket  # noqa: F401

pytestmark = pytest.mark.django_db


def snapshot(till, since: str | None = None, **headers) -> Snapshot:
    path = "snapshot" + (f"?since={since}" if since else "")
    response = till.get(path, **headers)
    assert response.status_code == 200, response.content
    return Snapshot.model_validate(response.json())


def test_the_snapshot_holds_the_shops_data_only(world, shop_a, shop_b, till_a):
    cashier_pin_set(
        membership=world.store_a.memberships.get(user=world.bob), actor=None, pin="4821"
    )
    data = snapshot(till_a)
    assert data.full is True
    assert data.store.slug == world.store_a.slug
    names = {p.name for p in data.products}
    assert names == {"Spaghetti", "Tomates", "Lait"}
    pasta = next(p for p in data.products if p.id == shop_a.pasta.pk)
    assert pasta.price_cents == 150 and pasta.stock_qty == 50 and pasta.barcodes
    assert pasta.earliest_dlc is not None
    assert [b.code for b in data.beneficiaries] == [shop_a.household.code]
    beneficiary = data.beneficiaries[0]
    assert beneficiary.status == "active" and beneficiary.budget_cents == 5000
    assert beneficiary.spent_cents == 0
    cashiers = {c.id: c for c in data.cashiers}
    bob = cashiers[world.store_a.memberships.get(user=world.bob).pk]
    assert bob.pin_hash and verify_pin("4821", bob.pin_hash)
    # Only a manager's PIN allows at the till what it refuses (a product past its DLC).
    alice = cashiers[world.store_a.memberships.get(user=world.alice).pk]
    assert alice.manager is True and bob.manager is False
    assert world.store_b.memberships.get(user=world.charlie).pk not in cashiers
    assert data.tariff.shop_rate_bp == 2000
    assert {c.name for c in data.categories} == {"Épicerie"}
    assert data.scale_layout.weight_prefixes == ["21", "22", "23"]


def test_a_delta_holds_only_what_changed(world, shop_a, till_a, settings):
    settings.CABAS_SNAPSHOT_CURSOR_MARGIN = 0
    first = snapshot(till_a)
    empty = snapshot(till_a, first.cursor)
    assert empty.full is False
    assert empty.products == [] and empty.beneficiaries == [] and empty.cashiers == []
    product_update(product=shop_a.milk, actor=world.alice, data={"price_cents": 120})
    till_a.post("tickets", {"tickets": [ticket(shop_a, [(shop_a.pasta, 2)])]})
    household_update(
        household=shop_a.household, actor=world.alice, data={"monthly_budget_cents": 6000}
    )
    membership_update(
        membership=world.store_a.memberships.get(user=world.diane),
        actor=world.alice,
        role="stock",
        is_active=False,
    )
    category = category_create(store=world.store_a, name="Vide")
    delta = snapshot(till_a, first.cursor)
    assert delta.full is False
    assert {p.id for p in delta.products} == {shop_a.milk.pk, shop_a.pasta.pk}
    assert next(p for p in delta.products if p.id == shop_a.pasta.pk).stock_qty == 48
    [household] = delta.beneficiaries
    assert household.budget_cents == 6000 and household.spent_cents == 60
    assert delta.deleted.cashiers == [world.store_a.memberships.get(user=world.diane).pk]
    category_id = category.pk
    category_delete(category=category, actor=world.alice)
    later = snapshot(till_a, delta.cursor)
    assert category_id in later.deleted.categories


def test_a_bad_or_foreign_cursor_gets_a_full_snapshot(world, shop_a, shop_b, till_a, till_b):
    assert snapshot(till_a, "garbage").full is True
    foreign = snapshot(till_b).cursor
    data = snapshot(till_a, foreign)
    assert data.full is True
    assert {p.id for p in data.products} == {shop_a.pasta.pk, shop_a.tomatoes.pk, shop_a.milk.pk}


def test_etag_and_if_none_match_answer_304(world, shop_a, till_a):
    response = till_a.get("snapshot")
    etag = response["ETag"]
    again = till_a.get("snapshot", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    product_update(product=shop_a.milk, actor=world.alice, data={"price_cents": 120})
    assert till_a.get("snapshot", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_it_is_gzipped_when_asked(world, shop_a, till_a):
    response = till_a.get("snapshot", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response["Content-Encoding"] == "gzip"
    data = Snapshot.model_validate(json.loads(gzip.decompress(response.content)))
    assert len(data.products) == 3


def test_a_revoked_till_gets_no_snapshot(world, shop_a, till_a):
    from cabas.gestion.pos.services import device_revoke

    device_revoke(device=till_a.device, actor=world.alice)
    assert till_a.get("snapshot").status_code == 401


def test_the_snapshot_keeps_its_queries_few(world, shop_a, till_a, django_assert_max_num_queries):
    # 20 to build it (one for the households' projects at the till), 2 for the shop's data
    # version (the key of the snapshot cache).
    with django_assert_max_num_queries(22):
        snapshot(till_a)


def test_the_snapshots_tariff_is_the_one_of_tariff_for_store(world, shop_a, till_a):
    from cabas.gestion.beneficiaries.selectors import tariff_for_store
    from cabas.gestion.beneficiaries.services import beneficiary_settings_update
    from cabas.gestion.catalog.services import category_update

    rayon = shop_a.pasta.category
    category_update(
        category=rayon, actor=world.alice, name=rayon.name, parent=None, position=0, rate_bp=3000
    )
    product_update(product=shop_a.milk, actor=world.alice, data={"rate_bp": 500})
    beneficiary_settings_update(
        store=world.store_a, actor=world.alice, data={"origin_ceilings_bp": {"donation": 1000}}
    )
    expected = tariff_for_store(world.store_a)
    for data in (snapshot(till_a), snapshot(till_a, snapshot(till_a).cursor)):
        assert data.tariff.shop_rate_bp == expected.shop_rate_bp
        assert data.tariff.category_rates_bp == {str(rayon.pk): 3000}
        assert data.tariff.category_rates_bp == dict(expected.category_rates_bp)
        assert data.tariff.product_rates_bp == {str(shop_a.milk.pk): 500}
        assert data.tariff.product_rates_bp == dict(expected.product_rates_bp)
        assert data.tariff.origin_ceilings_bp == dict(expected.origin_ceilings_bp)


def _quotas_of_shop_a(shop_a):
    from cabas.gestion.beneficiaries.services import quota_save

    store, rayon = shop_a.store, shop_a.pasta.category
    milk = quota_save(
        store=store,
        actor=None,
        data={"product": shop_a.milk, "label": "Lait", "base_quantity": 3, "per_extra_person": 1},
    )
    fruit = quota_save(
        store=store,
        actor=None,
        data={"category": rayon, "label": "Vrac", "unit": "kg", "base_quantity": 1000},
    )
    pieces = quota_save(
        store=store, actor=None, data={"category": rayon, "label": "Épicerie", "base_quantity": 9}
    )
    return milk, fruit, pieces


def _send(till, *tickets):
    response = till.post("tickets", {"tickets": list(tickets)})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_snapshot_carries_every_quota_scaled_to_the_household_with_its_usage(
    world, shop_a, till_a
):
    from cabas.gestion.beneficiaries.services import household_update

    household_update(household=shop_a.household, actor=world.alice, data={"children": 2})
    milk, fruit, pieces = _quotas_of_shop_a(shop_a)
    _send(till_a, ticket(shop_a, [(shop_a.milk, 2), (shop_a.tomatoes, 600)]))
    _send(till_a, ticket(shop_a, [(shop_a.tomatoes, 250)]))

    data = snapshot(till_a)
    assert {(q.id, q.scope, q.target_id, q.unit) for q in data.quotas} == {
        (milk.pk, "product", shop_a.milk.pk, "piece"),
        (fruit.pk, "category", shop_a.pasta.category_id, "kg"),
        (pieces.pk, "category", shop_a.pasta.category_id, "piece"),
    }
    beneficiary = data.beneficiaries[0]
    assert beneficiary.household_size == 3
    limits = {q.quota_id: (q.limit_qty, q.used_qty) for q in beneficiary.quota_limits}
    # Milk: 3 for one person + 1 per extra person; weighed goods counted in grams; the
    # pieces quota of the rayon counts the milk, not the grams of tomatoes.
    assert limits == {milk.pk: (5, 2), fruit.pk: (1000, 850), pieces.pk: (9, 2)}
    # The first form, for older tills: category quotas in pieces only.
    assert [(q.category_id, q.limit_qty, q.used_qty) for q in beneficiary.quotas] == [
        (shop_a.pasta.category_id, 9, 2)
    ]


def test_a_delta_carries_a_household_whose_quota_usage_changed(world, shop_a, till_a, settings):
    from cabas.gestion.beneficiaries.services import quota_save

    settings.CABAS_SNAPSHOT_CURSOR_MARGIN = 0
    milk, _fruit, _pieces = _quotas_of_shop_a(shop_a)
    first = snapshot(till_a)
    assert snapshot(till_a, first.cursor).beneficiaries == []
    # Free goods: the spending does not move, the quota usage does.
    free = ticket(shop_a, [(shop_a.milk, 1)], rate_bp=0)
    assert free["total_cents"] == 0
    _send(till_a, free)
    delta = snapshot(till_a, first.cursor)
    assert delta.full is False
    assert [b.code for b in delta.beneficiaries] == [shop_a.household.code]
    limits = {q.quota_id: q.used_qty for q in delta.beneficiaries[0].quota_limits}
    assert limits[milk.pk] == 1
    assert len(delta.quotas) == 3  # always complete
    # A change of the quotas themselves changes every household's limits: a full snapshot.
    quota_save(store=shop_a.store, actor=None, data={"base_quantity": 4}, quota=milk)
    again = snapshot(till_a, delta.cursor)
    assert again.full is True
    limits = {q.quota_id: q.limit_qty for q in again.beneficiaries[0].quota_limits}
    assert limits[milk.pk] == 4


def test_a_delta_carries_the_products_whose_stock_changed_and_only_those(
    world, shop_a, till_a, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from cabas.gestion.stock.models import LossCause
    from cabas.gestion.stock.services import loss_record, lot_receive

    settings.CABAS_SNAPSHOT_CURSOR_MARGIN = 0
    first = snapshot(till_a)
    # A sale at the till, a loss and a delivery: none of them edits the catalogue.
    _send(till_a, ticket(shop_a, [(shop_a.tomatoes, 750)], household=False))
    loss_record(
        store=world.store_a, product=shop_a.milk, quantity=2, cause=LossCause.values[0], actor=None
    )
    lot_receive(
        store=world.store_a,
        product=shop_a.pasta,
        quantity=10,
        actor=None,
        dlc=timezone.localdate() + timedelta(days=3),
    )
    delta = snapshot(till_a, first.cursor)
    stock = {p.id: p.stock_qty for p in delta.products}
    assert stock == {
        shop_a.tomatoes.pk: 20_000 - 750,
        shop_a.milk.pk: 30 - 2,
        shop_a.pasta.pk: 50 + 10,
    }
    pasta = next(p for p in delta.products if p.id == shop_a.pasta.pk)
    assert pasta.earliest_dlc == timezone.localdate() + timedelta(days=3)
    assert snapshot(till_a, delta.cursor).products == []
