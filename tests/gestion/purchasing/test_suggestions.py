"""Suggestions: the reorder rule on known sales, stock and what is already on order."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
from django.utils import timezone

from cabas.gestion.purchasing.models import OrderState
from cabas.gestion.purchasing.reorder import ReorderInput, reorder_proposal
from cabas.gestion.purchasing.selectors import reorder_suggestions
from cabas.gestion.purchasing.services import purchase_order_from_suggestion

pytestmark = pytest.mark.django_db


def test_the_rule_orders_up_to_the_maximum_in_whole_packs() -> None:
    # 28 sold in 4 weeks: 1 a day; 3 days of lead time; stock 10 + 5 on order.
    proposal = reorder_proposal(
        ReorderInput(
            stock=10,
            on_order=5,
            sold_in_period=28,
            weeks=4,
            lead_time_days=3,
            pack_size=12,
            min_stock=20,
            max_stock=60,
        )
    )
    assert proposal is not None
    assert proposal.daily_sales == 1
    assert proposal.at_delivery == 12  # 10 + 5 − 1 × 3
    assert proposal.need == 48  # 60 − 12
    assert proposal.packs == 4  # ⌈48 / 12⌉


def test_without_a_maximum_the_rule_covers_the_period_above_the_minimum() -> None:
    proposal = reorder_proposal(
        ReorderInput(
            stock=0,
            on_order=0,
            sold_in_period=14,
            weeks=2,
            lead_time_days=0,
            pack_size=5,
            min_stock=3,
            max_stock=None,
        )
    )
    assert proposal is not None
    assert proposal.target == 3 + 14
    assert proposal.packs == 4  # ⌈17 / 5⌉


def test_nothing_is_proposed_above_the_reorder_point_or_for_unmanaged_products() -> None:
    enough = ReorderInput(
        stock=40,
        on_order=0,
        sold_in_period=28,
        weeks=4,
        lead_time_days=3,
        pack_size=12,
        min_stock=20,
        max_stock=60,
    )
    assert reorder_proposal(enough) is None
    unmanaged = ReorderInput(
        stock=0,
        on_order=0,
        sold_in_period=100,
        weeks=4,
        lead_time_days=3,
        pack_size=1,
        min_stock=None,
        max_stock=None,
    )
    assert reorder_proposal(unmanaged) is None


def test_suggestions_read_the_ledgers_sales_and_what_is_on_order(shop) -> None:
    now = timezone.now()
    shop.stock_up(shop.pasta, 10 + 28 + 50)
    for day in range(28):  # 28 coquillettes sold over the last 4 weeks: 1 a day
        shop.sell(shop.pasta, 1, now - timedelta(days=day, hours=1))
    shop.sell(shop.pasta, 50, now - timedelta(weeks=6))  # too old to count
    shop.stock_up(shop.rice, 40)  # rice well stocked; apples: none and no sales
    on_order = shop.order(pasta=1)  # 12 coquillettes on order once sent
    from cabas.gestion.purchasing.models import PurchaseOrder

    PurchaseOrder.objects.filter(pk=on_order.pk).update(state=OrderState.SENT)

    [suggestion] = reorder_suggestions(shop.world.store_a, weeks=4, now=now)
    assert suggestion.supplier == shop.supplier
    lines = {line.product.pk: line for line in suggestion.lines}
    assert set(lines) == {shop.pasta.pk, shop.apples.pk}
    pasta = lines[shop.pasta.pk]
    assert (pasta.stock, pasta.on_order, pasta.sold) == (10, 12, 28)
    assert pasta.weekly_sales == Fraction(7)
    # at delivery: 10 + 12 − 3 = 19 < 20 → up to 60: 41 → 4 packs of 12
    assert (pasta.need, pasta.packs) == (41, 4)
    apples = lines[shop.apples.pk]
    assert (apples.need, apples.packs) == (5000, 1)  # 5 kg minimum, one 5 kg crate


def test_a_suggestion_becomes_a_draft_the_stock_manager_edits(shop) -> None:
    [suggestion] = reorder_suggestions(shop.world.store_a)
    order = purchase_order_from_suggestion(
        store=shop.world.store_a, supplier=shop.supplier, actor=shop.world.diane
    )
    assert order.state == OrderState.DRAFT
    assert order.from_suggestion
    assert {(line.product_id, line.packs) for line in order.lines.all()} == {
        (line.product.pk, line.packs) for line in suggestion.lines
    }
    assert order.total_cents == suggestion.total_cents
