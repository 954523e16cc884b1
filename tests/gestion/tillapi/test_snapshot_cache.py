# ruff: noqa: F811  (the shop fixtures are imported from tests.gestion.sales.conftest)
"""The cache of `GET snapshot` answers: built once for identical requests, never stale, never
shared between shops."""

from __future__ import annotations

import gzip
import json
from unittest import mock

import pytest
from django.contrib.auth import get_user_model

from cabas.gestion.beneficiaries.selectors import beneficiary_settings
from cabas.gestion.catalog.services import product_update
from cabas.gestion.pos.services import cashier_pin_set
from cabas.gestion.stores.models import Store
from cabas.gestion.tillapi import snapshot_cache
from cabas.protocol import Snapshot
from tests.gestion.pos.conftest import enroll_till
from tests.gestion.sales.conftest import make_shop, shop_a, shop_b, ticket  # noqa: F401

pytestmark = pytest.mark.django_db


def _data(response) -> Snapshot:
    assert response.status_code == 200, response.content
    raw = response.content
    if response.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return Snapshot.model_validate(json.loads(raw))


@pytest.fixture
def builds(world):  # type: ignore[no-untyped-def]
    # The first snapshot of a shop creates its settings row (so its first two answers differ
    # in version): done here, so that the counts below are about the cache only.
    beneficiary_settings(world.store_a)
    beneficiary_settings(world.store_b)
    with mock.patch.object(
        snapshot_cache, "build_snapshot", wraps=snapshot_cache.build_snapshot
    ) as spy:
        yield spy


def test_identical_requests_build_once(world, shop_a, till_a, builds):
    first = till_a.get("snapshot")
    second = till_a.get("snapshot")
    assert builds.call_count == 1
    assert second.content == first.content and second["ETag"] == first["ETag"]


def test_a_cached_answer_takes_few_queries(
    world, shop_a, till_a, builds, django_assert_max_num_queries
):
    till_a.get("snapshot")
    # The till's token, its last-seen write, and the two queries of the data version.
    with django_assert_max_num_queries(5):
        assert till_a.get("snapshot").status_code == 200


def test_gzip_and_plain_answers_are_cached_apart(world, shop_a, till_a, builds):
    plain = till_a.get("snapshot")
    zipped = till_a.get("snapshot", HTTP_ACCEPT_ENCODING="gzip")
    again = till_a.get("snapshot", HTTP_ACCEPT_ENCODING="gzip")
    assert builds.call_count == 2
    assert "Content-Encoding" not in plain and zipped["Content-Encoding"] == "gzip"
    assert again.content == zipped.content
    # Built apart (their cursors differ by the build time), with the same data.
    assert again["ETag"] == plain["ETag"]
    assert _data(again).products == _data(plain).products


def test_each_cursor_has_its_own_entry(world, shop_a, till_a, builds):
    full = _data(till_a.get("snapshot"))
    delta = _data(till_a.get(f"snapshot?since={full.cursor}"))
    assert delta.full is False and builds.call_count == 2


def test_tills_of_one_shop_share_an_answer(world, shop_a, till_a, builds):
    other = enroll_till(world.store_a, "Caisse A2")
    assert till_a.get("snapshot").content == other.get("snapshot").content
    assert builds.call_count == 1


def test_a_product_change_is_seen_by_the_next_request(world, shop_a, till_a, builds):
    before = _data(till_a.get("snapshot"))
    assert next(p for p in before.products if p.id == shop_a.milk.pk).price_cents != 120
    product_update(product=shop_a.milk, actor=world.alice, data={"price_cents": 120})
    after = _data(till_a.get("snapshot"))
    assert next(p for p in after.products if p.id == shop_a.milk.pk).price_cents == 120
    assert builds.call_count == 2


def test_a_sale_is_seen_by_the_next_request(world, shop_a, till_a):
    before = _data(till_a.get("snapshot"))
    stock = next(p for p in before.products if p.id == shop_a.pasta.pk).stock_qty
    till_a.post("tickets", {"tickets": [ticket(shop_a, [(shop_a.pasta, 2)])]})
    after = _data(till_a.get("snapshot"))
    assert next(p for p in after.products if p.id == shop_a.pasta.pk).stock_qty == stock - 2
    assert after.beneficiaries[0].spent_cents > before.beneficiaries[0].spent_cents


def test_a_cashier_change_is_seen_by_the_next_request(world, shop_a, till_a):
    membership = world.store_a.memberships.get(user=world.bob)
    _data(till_a.get("snapshot"))
    cashier_pin_set(membership=membership, actor=None, pin="4821")
    after = _data(till_a.get("snapshot"))
    assert next(c for c in after.cashiers if c.id == membership.pk).pin_hash
    # A user has no updated_at: deactivating bob is seen all the same.
    get_user_model().objects.filter(pk=world.bob.pk).update(is_active=False)
    gone = _data(till_a.get("snapshot"))
    assert membership.pk not in {c.id for c in gone.cashiers}


def test_a_shop_rename_is_seen_by_the_next_request(world, shop_a, till_a):
    _data(till_a.get("snapshot"))
    Store.objects.filter(pk=world.store_a.pk).update(name="Épicerie renommée")
    till_a.device.store.refresh_from_db()
    assert _data(till_a.get("snapshot")).store.name == "Épicerie renommée"


def test_charlies_shop_never_gets_alices_cached_snapshot(
    world, shop_a, shop_b, till_a, till_b, builds
):
    a = _data(till_a.get("snapshot"))
    b = _data(till_b.get("snapshot"))
    assert builds.call_count == 2
    assert b.store.slug == world.store_b.slug != a.store.slug
    assert not {p.id for p in b.products} & {p.id for p in a.products}
    # A cursor of shop A given by shop B's till is not a key into shop A's entries either.
    foreign = _data(till_b.get(f"snapshot?since={a.cursor}"))
    assert foreign.store.slug == world.store_b.slug and foreign.full is True


def test_the_cache_can_be_turned_off(world, shop_a, till_a, builds, settings):
    settings.CABAS_SNAPSHOT_CACHE_SECONDS = 0
    till_a.get("snapshot")
    till_a.get("snapshot")
    assert builds.call_count == 2


def test_an_answer_too_large_is_not_cached(world, shop_a, till_a, builds, settings):
    settings.CABAS_SNAPSHOT_CACHE_MAX_BYTES = 100
    till_a.get("snapshot")
    till_a.get("snapshot")
    assert builds.call_count == 2


def test_the_version_changes_with_the_day(world, shop_a):
    from datetime import UTC, datetime

    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 3, 1, 10, tzinfo=UTC)):
        monday = snapshot_cache.data_version(world.store_a)
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 3, 2, 10, tzinfo=UTC)):
        tuesday = snapshot_cache.data_version(world.store_a)
    assert monday != tuesday


def test_concurrent_misses_in_one_worker_build_once(settings):
    import threading
    import time

    from cabas.gestion.tillapi.snapshot import BuiltSnapshot

    settings.CABAS_SNAPSHOT_CACHE_SECONDS = 60
    calls = []

    def slow_build(store, since):
        calls.append(since)
        time.sleep(0.2)
        return BuiltSnapshot(body=b'{"full":true}', etag='"e"', full=True)

    store = Store(pk=999_999, slug="x", name="X", timezone="Europe/Paris")
    answers = []
    with (
        mock.patch.object(snapshot_cache, "data_version", return_value="v1"),
        mock.patch.object(snapshot_cache, "build_snapshot", side_effect=slow_build),
    ):
        threads = [
            threading.Thread(
                target=lambda: answers.append(snapshot_cache.snapshot_body(store, None, False))
            )
            for _ in range(5)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(calls) == 1 and len(answers) == 5
    assert {answer.body for answer in answers} == {b'{"full":true}'}
    assert not snapshot_cache._building
