"""The kilograms of the activity report against the hand-computed shop of weights_data."""

from __future__ import annotations

import pytest

from cabas.gestion.reports.kilograms import kilograms
from cabas.gestion.reports.periods import month_period
from tests.gestion.reports.weights_data import WeightsShop, make_weights_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(world) -> WeightsShop:  # type: ignore[no-untyped-def]
    return make_weights_shop(world.store_a)


def january(ws: WeightsShop):  # type: ignore[no-untyped-def]
    return kilograms(ws.store, month_period("2026-01", ws.store.timezone))


def rows(table):  # type: ignore[no-untyped-def]
    return {row[0]: row[1:] for row in table.rows}


def test_the_totals_received_distributed_and_lost(ws):
    kg = january(ws)
    assert (kg.received.grams, kg.received.unweighed) == (35_500, 10)
    assert (kg.distributed.grams, kg.distributed.unweighed) == (12_000, 3)
    assert (kg.lost.grams, kg.lost.unweighed) == (1_500, 0)
    assert kg.distributed.full_milli == 3795 * 1000
    assert kg.per_person(4) == 3000


def test_by_origin_each_unit_counts_where_its_lot_came_from(ws):
    origin, rayon, losses, quality, unweighed = january(ws).tables
    # received, value received, distributed, value distributed, lost, pieces without weight
    assert rows(origin) == {
        "achat": [10_000, 20 * 150 + 10 * 250, 500, 150 + 3 * 250, 500, 3],
        "banque alimentaire": [5_000, 1500, 5_000, 1500, 0, 0],
        "aide européenne (FSE+)": [8_000, 1290, 4_000, 645, 0, 0],
        "ramasse (grandes surfaces)": [12_500, 3750, 2_500, 750, 1_000, 0],
    }
    assert list(rows(origin)) == [
        "achat",
        "banque alimentaire",
        "aide européenne (FSE+)",
        "ramasse (grandes surfaces)",
    ]  # in the funders' order
    assert origin.totals == ["Total", 35_500, 12_040, 12_000, 3795, 1_500, 3]


def test_by_rayon_and_the_losses_by_cause(ws):
    _origin, rayon, losses, _quality, _unweighed = january(ws).tables
    assert rows(rayon) == {
        "Épicerie salée": [23_000, 8290, 9_500, 3045, 500, 3],
        "Fruits et légumes": [12_500, 3750, 2_500, 750, 1_000, 0],
    }
    assert rows(losses) == {"Casse": [500, 0, 150], "Produit abîmé": [1_000, 0, 300]}


def test_the_quality_shares_by_tag(ws):
    quality = january(ws).tables[3]
    found = rows(quality)
    assert found["fruits et légumes"][:2] == [2_500, pytest.approx(100 * 2_500 / 12_000)]
    assert found["légumineuses"][:2] == [4_000, pytest.approx(100 / 3)]
    label = next(name for name in found if name.startswith("produit sous label"))
    assert found[label] == [4_000, pytest.approx(100 / 3), 645, pytest.approx(100 * 645 / 3795)]


def test_the_products_without_weight_are_listed_not_counted_as_zero(ws):
    unweighed = january(ws).tables[4]
    assert unweighed.rows == [["Savon", 10, 3, 0]]


def test_february_has_only_its_own_spaghetti(ws):
    kg = kilograms(ws.store, month_period("2026-02", ws.store.timezone))
    assert (kg.received.grams, kg.distributed.grams, kg.lost.grams) == (0, 500, 0)


def test_another_shop_sees_none_of_these_kilograms(ws, world):
    kg = kilograms(world.store_b, month_period("2026-01", world.store_b.timezone))
    assert (kg.received.grams, kg.distributed.grams, kg.by_origin) == (0, 0, {})


def test_goods_taken_out_by_a_recall_count_as_lost_under_their_own_cause(ws):
    from cabas.gestion.reports.stock_selectors import losses_by_cause
    from cabas.gestion.stock.models import MovementKind
    from cabas.gestion.stock.services import stock_movement_record
    from tests.gestion.reports.weights_data import local

    stock_movement_record(
        store=ws.store,
        product=ws.pasta,
        kind=MovementKind.RECALL,
        quantity=-2,
        actor=None,
        occurred_at=local(2026, 1, 20),
        reason="Rappel : salmonelle",
    )
    kg = january(ws)
    assert (kg.lost.grams, kg.lost.unweighed) == (1_500 + 2 * 500, 0)
    _origin, _rayon, losses, _quality, _unweighed = kg.tables
    assert rows(losses)["Rappel de produit (retrait)"] == [1_000, 0, 2 * 150]
    euros = losses_by_cause(ws.store, month_period("2026-01", ws.store.timezone))
    assert rows(euros)["Rappel de produit (retrait)"][:3] == [1, 2, 0]
