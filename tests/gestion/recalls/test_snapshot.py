"""A recall reaches the tills through `GET snapshot` at once: in the full snapshot and in the
delta since any earlier cursor (even when the recalled lots held nothing, so no stock moved),
and its lifting sends the product again without it. Shop B's tills never see it."""

from __future__ import annotations

import pytest

from cabas.gestion.recalls.models import RecallScope
from cabas.gestion.recalls.services import recall_close, recall_lift
from cabas.gestion.stock.models import Lot
from cabas.protocol import Snapshot
from tests.gestion.recalls.conftest import recall_pasta

pytestmark = pytest.mark.django_db


def snapshot(till, since: str | None = None) -> Snapshot:
    response = till.get("snapshot" + (f"?since={since}" if since else ""))
    assert response.status_code == 200, response.content
    return Snapshot.model_validate(response.json())


def product(data: Snapshot, product_id: int):
    return next((p for p in data.products if p.id == product_id), None)


def test_the_full_snapshot_carries_the_recall_in_force(world, shop_a, till_a):
    recall = recall_pasta(shop_a, world.alice)
    data = snapshot(till_a)
    pasta = product(data, shop_a.pasta.pk)
    assert pasta.recall is not None
    assert (pasta.recall.id, pasta.recall.reason, pasta.recall.lots) == (
        recall.pk,
        "Listeria monocytogenes",
        "tous les lots",
    )
    assert product(data, shop_a.milk.pk).recall is None


def test_the_delta_sends_a_recall_of_empty_lots_and_then_its_lifting(
    world, shop_a, till_a, settings
):
    settings.CABAS_SNAPSHOT_CURSOR_MARGIN = 0
    Lot.objects.filter(product=shop_a.pasta).update(quantity=0)  # nothing left to remove
    first = snapshot(till_a)
    recall = recall_pasta(
        shop_a, world.alice, scope=RecallScope.LOTS, lots=list(shop_a.pasta.lots.all())
    )
    assert recall.removed_qty == 0
    second = snapshot(till_a, first.cursor)
    assert second.full is False
    assert [p.id for p in second.products] == [shop_a.pasta.pk]
    assert second.products[0].recall.reason == "Listeria monocytogenes"
    assert second.products[0].recall.lots == "lots choisis"

    recall_lift(recall=recall, actor=world.alice)
    third = snapshot(till_a, second.cursor)
    assert [p.id for p in third.products] == [shop_a.pasta.pk]
    assert third.products[0].recall is None
    recall_close(recall=recall, actor=world.alice)
    assert product(snapshot(till_a), shop_a.pasta.pk).recall is None


def test_shop_bs_tills_never_see_shop_as_recall(world, shop_a, shop_b, till_b):
    recall_pasta(shop_a, world.alice)
    assert all(p.recall is None for p in snapshot(till_b).products)
