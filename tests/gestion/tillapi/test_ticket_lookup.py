# ruff: noqa: F811  (the shop fixtures are imported from tests.gestion.sales.conftest)
"""`GET tickets/{number}`: a till finds a ticket of its shop made on another till (to refund
it), never one of another shop."""

from __future__ import annotations

import uuid

import pytest

from cabas.protocol import TicketLookup, receipt_number
from tests.gestion.pos.conftest import enroll_till
from tests.gestion.sales.conftest import shop_a, shop_b, ticket  # noqa: F401

pytestmark = pytest.mark.django_db


def sent(till, body):
    response = till.post("tickets", {"tickets": [body]})
    assert response.json()["results"][0]["status"] == "created", response.content
    return body


def test_another_till_of_the_shop_finds_the_ticket_and_its_refunds(world, shop_a, till_a):
    sale = sent(till_a, ticket(shop_a, [(shop_a.pasta, 3)]))
    line = dict(sale["lines"][0])
    line.update(
        quantity=-1,
        total_cents=-(sale["lines"][0]["total_cents"] // 3),
        full_price_cents=-(sale["lines"][0]["full_price_cents"] // 3),
    )
    refund = {
        **sale,
        "id": str(uuid.uuid4()),
        "lines": [line],
        "total_cents": line["total_cents"],
        "payments": [{"method": "cash", "amount_cents": line["total_cents"]}],
        "refund_of": sale["id"],
    }
    sent(till_a, refund)
    other = enroll_till(world.store_a, "Caisse A2")
    response = other.get(f"tickets/{receipt_number(sale['id'])}")
    assert response.status_code == 200, response.content
    found = TicketLookup.model_validate(response.json())
    assert str(found.ticket.id) == sale["id"]
    assert found.ticket.lines[0].quantity == 3 and found.ticket.total_cents == sale["total_cents"]
    assert [str(r.id) for r in found.refunds] == [refund["id"]]


def test_charlies_till_cannot_find_alices_ticket(world, shop_a, shop_b, till_a, till_b):
    sale = sent(till_a, ticket(shop_a, [(shop_a.pasta, 1)]))
    response = till_b.get(f"tickets/{receipt_number(sale['id'])}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert till_b.get(f"tickets/{sale['id']}").status_code == 404


def test_a_number_that_is_not_one_is_refused(till_a):
    response = till_a.get("tickets/xyz")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert till_a.get("tickets/0123abcd").status_code == 404


def test_the_lookup_takes_a_few_queries_whatever_the_ticket(
    world, shop_a, till_a, django_assert_max_num_queries
):
    sale = sent(till_a, ticket(shop_a, [(shop_a.pasta, 1), (shop_a.milk, 2)]))
    till_a.get(f"tickets/{receipt_number(sale['id'])}")  # the device's contact is recorded
    with django_assert_max_num_queries(6):
        response = till_a.get(f"tickets/{receipt_number(sale['id'])}")
    assert response.status_code == 200
