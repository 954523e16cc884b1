"""A refund never fails, but what it puts back in stock and gives back to the budget is capped
at what is left to refund of its original line; the excess is an anomaly for the manager."""

from __future__ import annotations

import uuid

import pytest

from cabas.gestion.beneficiaries.selectors import household_spent_cents
from cabas.gestion.sales.models import Anomaly
from cabas.gestion.stock.models import StockMovement
from cabas.gestion.stock.selectors import stock_levels_check
from tests.gestion.sales.conftest import ticket
from tests.gestion.sales.test_intake import kinds, month_now, send, stock

pytestmark = pytest.mark.django_db

OVER = "refund_exceeds_sale"


def spent(shop) -> int:
    return household_spent_cents(shop.household, month_now())


def moved(ticket_id: str) -> list[int]:
    return list(
        StockMovement.objects.filter(document_id=ticket_id)
        .order_by("id")
        .values_list("quantity", flat=True)
    )


def test_refunds_of_50_then_1_and_1_of_a_1_piece_sale_put_back_1_piece_and_exactly_the_sale(
    shop_a, till_a
):
    before = spent(shop_a)
    sale = ticket(shop_a, [(shop_a.pasta, 1)])
    send(till_a, sale)
    assert stock(shop_a.pasta) == 49
    refunds = [
        ticket(shop_a, [(shop_a.pasta, -quantity)], refund_of=sale["id"]) for quantity in (50, 1, 1)
    ]
    for refund in refunds:
        assert send(till_a, refund)[0]["status"] == "created"
    assert stock(shop_a.pasta) == 50
    assert spent(shop_a) == before
    assert [moved(r["id"]) for r in refunds] == [[1], [], []]
    assert [kinds(r["id"]) for r in refunds] == [[OVER], [OVER], [OVER]]
    first = Anomaly.objects.get(ticket_id=refunds[0]["id"])
    assert first.message.startswith("Remboursement supérieur à la vente")
    assert first.line_position == 1
    assert (first.details["refunded_qty"], first.details["capped_qty"]) == (50, 1)
    assert first.details["capped_cents"] == sale["total_cents"]
    assert stock_levels_check(store=shop_a.store) == []


def test_two_refunds_of_the_same_sale_through_different_ids_give_it_back_once(shop_a, till_a):
    before = spent(shop_a)
    sale = ticket(shop_a, [(shop_a.pasta, 2), (shop_a.milk, 1)])
    send(till_a, sale)
    first = ticket(shop_a, [(shop_a.pasta, -2), (shop_a.milk, -1)], refund_of=sale["id"])
    second = ticket(shop_a, [(shop_a.pasta, -2), (shop_a.milk, -1)], refund_of=sale["id"])
    assert [send(till_a, body)[0]["status"] for body in (first, second)] == ["created"] * 2
    assert (stock(shop_a.pasta), stock(shop_a.milk)) == (50, 30)
    assert spent(shop_a) == before
    assert kinds(first["id"]) == []
    assert kinds(second["id"]) == [OVER, OVER]
    assert moved(second["id"]) == []


def test_partial_refunds_adding_up_to_the_sale_are_not_flagged_and_one_more_is(shop_a, till_a):
    before = spent(shop_a)
    sale = ticket(shop_a, [(shop_a.pasta, 3), (shop_a.tomatoes, 1000)])
    send(till_a, sale)
    parts = [
        ticket(shop_a, [(shop_a.pasta, -1), (shop_a.tomatoes, -400)], refund_of=sale["id"]),
        ticket(shop_a, [(shop_a.pasta, -2)], refund_of=sale["id"]),
        ticket(shop_a, [(shop_a.tomatoes, -600)], refund_of=sale["id"]),
    ]
    for part in parts:
        send(till_a, part)
        assert kinds(part["id"]) == []
    assert (stock(shop_a.pasta), stock(shop_a.tomatoes)) == (50, 20_000)
    assert spent(shop_a) == before
    one_more = ticket(shop_a, [(shop_a.pasta, -1)], refund_of=sale["id"])
    assert send(till_a, one_more)[0]["status"] == "created"
    assert kinds(one_more["id"]) == [OVER]
    assert (stock(shop_a.pasta), spent(shop_a)) == (50, before)


def test_a_refund_of_a_product_the_sale_did_not_have_gives_nothing_back(shop_a, till_a):
    before = spent(shop_a)
    sale = ticket(shop_a, [(shop_a.pasta, 1)])
    send(till_a, sale)
    refund = ticket(shop_a, [(shop_a.milk, -1)], refund_of=sale["id"])
    assert send(till_a, refund)[0]["status"] == "created"
    assert kinds(refund["id"]) == [OVER]
    assert (stock(shop_a.milk), spent(shop_a)) == (30, before + sale["total_cents"])


def test_a_refund_of_an_unknown_ticket_is_flagged_and_not_capped_as_before(shop_a, till_a):
    before = spent(shop_a)
    refund = ticket(shop_a, [(shop_a.pasta, -5)], refund_of=str(uuid.uuid4()))
    assert send(till_a, refund)[0]["status"] == "created"
    assert kinds(refund["id"]) == ["refund_original_unknown"]
    assert stock(shop_a.pasta) == 55
    assert spent(shop_a) == before + refund["total_cents"]
    assert moved(refund["id"]) == [5]


def test_a_refund_of_another_shops_ticket_is_an_unknown_original(shop_a, shop_b, till_a, till_b):
    sale = ticket(shop_b, [(shop_b.pasta, 1)])
    send(till_b, sale)
    refund = ticket(shop_a, [(shop_a.pasta, -1)], refund_of=sale["id"])
    send(till_a, refund)
    assert kinds(refund["id"]) == ["refund_original_unknown"]
    assert stock(shop_b.pasta) == 49


def test_refunds_of_the_same_sale_in_one_batch_give_it_back_once(shop_a, till_a):
    before = spent(shop_a)
    sale = ticket(shop_a, [(shop_a.pasta, 1)])
    send(till_a, sale)
    refunds = [ticket(shop_a, [(shop_a.pasta, -1)], refund_of=sale["id"]) for _ in range(3)]
    assert [r["status"] for r in send(till_a, *refunds)] == ["created"] * 3
    assert stock(shop_a.pasta) == 50
    assert spent(shop_a) == before
    assert [kinds(r["id"]) for r in refunds] == [[], [OVER], [OVER]]


def test_a_sale_and_its_refunds_in_one_batch_are_capped_like_separate_ones(shop_a, till_a):
    before = spent(shop_a)
    sale = ticket(shop_a, [(shop_a.pasta, 2)])
    refunds = [ticket(shop_a, [(shop_a.pasta, -2)], refund_of=sale["id"]) for _ in range(2)]
    assert [r["status"] for r in send(till_a, sale, *refunds)] == ["created"] * 3
    assert stock(shop_a.pasta) == 50
    assert spent(shop_a) == before
    assert [kinds(r["id"]) for r in refunds] == [[], [OVER]]
    assert stock_levels_check(store=shop_a.store) == []


def test_two_refund_lines_of_one_product_share_what_is_left(shop_a, till_a):
    before = spent(shop_a)
    sale = ticket(shop_a, [(shop_a.pasta, 3)])
    send(till_a, sale)
    refund = ticket(shop_a, [(shop_a.pasta, -2), (shop_a.pasta, -2)], refund_of=sale["id"])
    send(till_a, refund)
    assert stock(shop_a.pasta) == 50
    assert spent(shop_a) == before
    assert [a.line_position for a in Anomaly.objects.filter(ticket_id=refund["id"])] == [2]


def test_a_resent_capped_refund_is_a_duplicate_that_changes_nothing(shop_a, till_a):
    sale = ticket(shop_a, [(shop_a.pasta, 1)])
    send(till_a, sale)
    refund = ticket(shop_a, [(shop_a.pasta, -3)], refund_of=sale["id"])
    send(till_a, refund)
    assert send(till_a, refund)[0]["status"] == "duplicate"
    assert stock(shop_a.pasta) == 50
    assert Anomaly.objects.filter(ticket_id=refund["id"]).count() == 1
