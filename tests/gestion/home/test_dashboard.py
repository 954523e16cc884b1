"""The home page: the day's figures and what needs attention, by role, for one's own shop only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.gestion.home.dashboard import dashboard
from cabas.gestion.pos.models import Device
from tests.gestion.sales.conftest import ticket

pytestmark = pytest.mark.django_db


def send(till, *tickets) -> None:
    response = till.post("tickets", {"tickets": list(tickets)})
    assert response.status_code == 200
    assert all(r["status"] == "created" for r in response.json()["results"])


def figures(membership) -> dict[str, dict[str, str]]:
    return {
        str(section.title): {str(tile.label): tile.value for tile in section.tiles}
        for section in dashboard(membership)
    }


def test_the_day_counts_the_shops_own_sales_net_of_refunds(world, shop_a, shop_b, till_a, till_b):
    sale = ticket(shop_a, [(shop_a.pasta, 2)])  # household at 20 %: 0,60 € paid of 3,00 €
    send(till_a, sale, ticket(shop_a, [(shop_a.milk, 1)], household=None))  # 1,00 € at full price
    refund = ticket(shop_a, [(shop_a.pasta, -1)], refund_of=sale["id"])
    send(till_a, refund)
    send(till_b, ticket(shop_b, [(shop_b.milk, 3)], household=None))  # charlie's shop
    day = figures(world.store_a.memberships.get(user=world.alice))["Aujourd'hui"]
    assert day["ticket(s) de vente"] == "2"
    assert day["encaissés (remboursements déduits)"] == "1,30\u00a0€"
    assert day["foyer(s) servi(s)"] == "1"
    assert day["d'économies pour les foyers"] == "1,20\u00a0€"
    other = figures(world.store_b.memberships.get(user=world.charlie))["Aujourd'hui"]
    assert other["ticket(s) de vente"] == "1"
    assert other["encaissés (remboursements déduits)"] == "3,00\u00a0€"


def test_yesterdays_sales_are_not_todays(world, shop_a, till_a):
    yesterday = timezone.localtime() - timedelta(days=1)
    send(till_a, ticket(shop_a, [(shop_a.pasta, 1)], created_at=yesterday.isoformat()))
    day = figures(world.store_a.memberships.get(user=world.alice))["Aujourd'hui"]
    assert day["ticket(s) de vente"] == "0"


def test_each_role_sees_only_the_sections_of_its_pages(world):
    def titles(user) -> list[str]:
        return list(figures(world.store_a.memberships.get(user=user)))

    assert titles(world.alice) == ["Aujourd'hui", "Caisses", "Stock", "Commandes", "Bénéficiaires"]
    assert titles(world.diane) == ["Stock", "Commandes"]
    assert titles(world.bob) == ["Aujourd'hui"]


def test_a_till_whose_tickets_wait_long_after_its_last_contact_is_flagged(world, till_a):
    Device.objects.filter(pk=till_a.device.pk).update(
        last_seen_at=timezone.now() - timedelta(hours=3), pending_count=4
    )
    tills = next(
        s
        for s in dashboard(world.store_a.memberships.get(user=world.alice))
        if s.tiles and str(s.title) == "Caisses"
    )
    tile = tills.tiles[0]
    assert tile.level == "warn"
    assert "4 tickets en attente" in str(tile.label)


def test_the_home_page_shows_the_figures_as_links_in_few_queries(
    world, shop_a, till_a, alice_client, django_assert_max_num_queries
):
    send(till_a, ticket(shop_a, [(shop_a.pasta, 2)]))
    with django_assert_max_num_queries(20):
        page = alice_client.get(reverse("core:home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("stock:dates") in html
    assert reverse("sales:anomaly_list") in html
    assert "Caisse A" in html


def test_charlie_sees_nothing_of_alices_tills(world, till_a, till_b, client):
    client.force_login(world.charlie)
    html = client.get(reverse("core:home")).content.decode()
    assert "Caisse B" in html
    assert "Caisse A" not in html
