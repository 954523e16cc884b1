"""The sales pages: tickets with filters, a ticket, anomalies to review, cash sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.sales.models import Anomaly
from tests.gestion.sales.conftest import ticket

pytestmark = pytest.mark.django_db


def send(till, *tickets) -> None:
    response = till.post("tickets", {"tickets": list(tickets)})
    assert response.status_code == 200
    assert all(r["status"] == "created" for r in response.json()["results"])


def test_the_list_shows_the_shops_tickets_with_their_anomalies(
    world, shop_a, shop_b, till_a, till_b, alice_client
):
    send(till_a, ticket(shop_a, [(shop_a.pasta, 2)]))
    send(till_a, ticket(shop_a, [(shop_b.pasta, 1)]))  # another shop's product: an anomaly
    send(till_b, ticket(shop_b, [(shop_b.pasta, 1)]))
    page = alice_client.get(reverse("sales:ticket_list"))
    assert page.status_code == 200
    assert len(page.context["page"].object_list) == 2
    assert sorted(t.anomaly_count for t in page.context["page"]) == [0, 1]
    assert shop_a.household.label in page.content.decode()


def test_the_filters_narrow_the_list(world, shop_a, till_a, alice_client):
    send(till_a, ticket(shop_a, [(shop_a.pasta, 2)]))
    send(till_a, ticket(shop_a, [(shop_a.pasta, 2)], household=None))
    old = ticket(
        shop_a,
        [(shop_a.pasta, 1)],
        created_at=(timezone.localtime() - timedelta(days=10)).isoformat(),
    )
    send(till_a, old)
    send(till_a, ticket(shop_a, [(shop_a.milk, 1)], rate_bp=9000))  # price anomaly
    url = reverse("sales:ticket_list")

    def count(**params) -> int:  # type: ignore[no-untyped-def]
        response = alice_client.get(url, params)
        assert response.status_code == 200
        return len(response.context["page"].object_list)

    today = timezone.localdate().isoformat()
    assert count() == 4
    assert count(start=today) == 3
    assert count(end=(timezone.localdate() - timedelta(days=5)).isoformat()) == 1
    assert count(household=shop_a.household.code) == 3
    assert count(anomalies="on") == 1
    assert count(device=str(till_a.device.pk)) == 4
    assert count(cashier=str(shop_a.cashier_id)) == 4
    response = alice_client.get(url, {"start": today, "end": "2000-01-01"})
    assert "précède" in response.content.decode()


def test_a_receipt_number_finds_its_ticket_in_this_shop_only(
    world, shop_a, shop_b, till_a, till_b, alice_client
):
    ours = ticket(shop_a, [(shop_a.pasta, 2)], ticket_id="3f2a9c1e-0000-4000-8000-000000000001")
    neighbour = ticket(shop_a, [(shop_a.milk, 1)], ticket_id="3f2a9c1f-0000-4000-8000-000000000002")
    # Charlie's shop holds a ticket with the same receipt number: alice never sees it.
    theirs = ticket(shop_b, [(shop_b.pasta, 1)], ticket_id="3f2a9c1e-ffff-4fff-bfff-ffffffffffff")
    send(till_a, ours, neighbour)
    send(till_b, theirs)
    url = reverse("sales:ticket_list")

    def found(number: str) -> list[str]:
        response = alice_client.get(url, {"number": number})
        assert response.status_code == 200
        return [str(t.pk) for t in response.context["page"].object_list]

    assert found("3f2a9c1e") == [ours["id"]]
    assert found("Ticket 3F2A9C1E") == [ours["id"]]  # as read off the receipt
    assert found(ours["id"]) == [ours["id"]]
    assert sorted(found("3f2a9c")) == sorted([ours["id"], neighbour["id"]])
    assert found("3f2a9c1e-ffff") == []
    page = alice_client.get(url, {"number": "3f2a9c1e"}).content.decode()
    assert "<code>3f2a9c1e</code>" in page
    detail = alice_client.get(reverse("sales:ticket_detail", args=[ours["id"]])).content.decode()
    assert "<code>3f2a9c1e</code>" in detail
    for bad in ("3f2", "zzzz1234", "3f2a9c1e" * 5):
        response = alice_client.get(url, {"number": bad})
        assert response.status_code == 200
        assert "numéro imprimé sur le reçu" in response.content.decode()


def test_the_list_keeps_its_queries_few(
    world, shop_a, till_a, alice_client, django_assert_max_num_queries
):
    send(till_a, *[ticket(shop_a, [(shop_a.pasta, 1)]) for _ in range(30)])
    with django_assert_max_num_queries(14):
        assert alice_client.get(reverse("sales:ticket_list")).status_code == 200


def test_a_ticket_page_shows_its_lines_payments_and_anomalies(
    world, shop_a, shop_b, till_a, alice_client
):
    body = ticket(shop_a, [(shop_a.pasta, 2), (shop_b.pasta, 1)])
    send(till_a, body)
    page = alice_client.get(reverse("sales:ticket_detail", args=[body["id"]])).content.decode()
    assert "Spaghetti" in page and "B Spaghetti" in page
    assert "hors catalogue" in page
    assert "produit inconnu" in page


def test_handling_an_anomaly_is_audited_and_leaves_the_list(
    world, shop_a, shop_b, till_a, alice_client
):
    body = ticket(shop_a, [(shop_b.pasta, 1)])
    send(till_a, body)
    anomaly = Anomaly.objects.get()
    assert anomaly in alice_client.get(reverse("sales:anomaly_list")).context["page"]
    response = alice_client.post(
        reverse("sales:anomaly_handle", args=[anomaly.pk]),
        {"note": "Produit de la voisine, rendu."},
    )
    assert response.status_code == 302
    anomaly.refresh_from_db()
    assert anomaly.handled_at is not None and anomaly.handled_by == world.alice
    assert anomaly.handled_note == "Produit de la voisine, rendu."
    assert AuditEvent.objects.filter(action="sales.anomaly_handled").exists()
    assert not alice_client.get(reverse("sales:anomaly_list")).context["page"].object_list


def test_a_cashier_sees_tickets_but_not_the_anomalies_to_review(world, shop_a, till_a, client):
    send(till_a, ticket(shop_a, [(shop_a.pasta, 1)]))
    client.force_login(world.bob)
    page = client.get(reverse("sales:ticket_list")).content.decode()
    assert reverse("sales:anomaly_list") not in page
    assert client.get(reverse("sales:anomaly_list")).status_code == 403


def test_a_cash_session_page_shows_its_difference_and_tickets(world, shop_a, till_a, alice_client):
    import uuid

    session_id = str(uuid.uuid4())
    report = {
        "id": session_id,
        "opened_at": timezone.localtime().isoformat(),
        "cashier_id": shop_a.cashier_id,
        "opening_float_cents": 5000,
    }
    till_a.post("cash-sessions", report)
    send(till_a, ticket(shop_a, [(shop_a.pasta, 1)], cash_session_id=session_id))
    closing = {
        **report,
        "closed_at": timezone.localtime().isoformat(),
        "counted": [{"method": "cash", "amount_cents": 5000}],
        "expected": [{"method": "cash", "amount_cents": 5030}],
        "difference_cents": -30,
        "ticket_count": 1,
    }
    assert till_a.post("cash-sessions", closing).json()["status"] == "updated"
    listing = alice_client.get(reverse("sales:cash_session_list")).content.decode()
    assert "-0,30" in listing
    page = alice_client.get(reverse("sales:cash_session_detail", args=[session_id]))
    assert len(page.context["tickets"]) == 1
    assert "-0,30" in page.content.decode()


def test_a_sales_stock_movement_links_to_its_ticket(world, shop_a, till_a, alice_client):
    sale = ticket(shop_a, [(shop_a.pasta, 2)])
    send(till_a, sale)
    page = alice_client.get(reverse("stock:product_movements", args=[shop_a.pasta.pk]))
    assert page.status_code == 200
    assert reverse("sales:ticket_detail", args=[sale["id"]]) in page.content.decode()
