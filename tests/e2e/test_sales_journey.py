"""A till's tickets reach the manager's Ventes pages: the list, a ticket found by its receipt
number, the anomaly to handle, and the refused payload in the quarantine."""

from __future__ import annotations

import pytest

from cabas.gestion.beneficiaries.models import Household
from cabas.protocol import receipt_number
from tests.conftest import shot, sign_in
from tests.gestion.pos.conftest import enroll_till
from tests.gestion.sales.conftest import make_shop, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_reviews_what_the_tills_sent(browser_page, world) -> None:
    shop = make_shop(world.store_a, world.store_a.memberships.get(user=world.bob).pk)
    till = enroll_till(world.store_a, "Caisse du matin")
    Household.objects.filter(pk=shop.household.pk).update(monthly_budget_cents=500)
    plain = ticket(shop, [(shop.pasta, 2), (shop.tomatoes, 850)])
    costly = ticket(shop, [(shop.milk, 30), (shop.pasta, 10)])  # over the 5 € left
    broken = ticket(shop, [(shop.pasta, 1)])
    broken["lines"][0]["label"] = "Spaghetti\x00"
    response = till.post("tickets", {"tickets": [plain, costly, broken]})
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["created", "created", "rejected"]

    page = browser_page
    sign_in(page, "alice")
    page.locator("nav.sections").get_by_role("link", name="Ventes").click()
    page.wait_for_load_state()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert rows.filter(has_text="Caisse du matin").count() == 2
    shot(page, "01-tickets")

    # A household comes back with its receipt: the manager types the number printed on it.
    number = receipt_number(costly["id"])
    page.get_by_label("N° du reçu").fill(f"Ticket {number.upper()}")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_load_state()
    assert rows.count() == 1
    assert rows.first.locator("code").inner_text() == number
    shot(page, "02-found-by-receipt-number")

    rows.first.locator("a").first.click()
    page.wait_for_load_state()
    assert page.get_by_text("Lait").first.is_visible()
    assert page.get_by_text("Budget").first.is_visible()
    shot(page, "03-ticket")

    page.locator("nav.tabs").get_by_role("link", name="Anomalies à revoir").click()
    page.wait_for_load_state()
    budget = page.locator("table tbody tr").filter(has_text="Budget")
    assert budget.count() == 1
    shot(page, "04-anomalies")
    budget.locator("input[type=checkbox]").check()
    page.fill("#id_bulk_note", "Vu avec le foyer")
    page.get_by_role("button", name="Marquer comme traitées").click()
    page.wait_for_load_state()
    assert page.locator("table tbody tr").filter(has_text="Budget").count() == 0
    shot(page, "05-anomaly-handled")

    page.locator("nav.tabs").get_by_role("link", name="Quarantaine").click()
    page.wait_for_load_state()
    refused = page.locator("table tbody tr").filter(has_text=broken["id"])
    assert refused.count() == 1
    shot(page, "06-quarantine")
    refused.locator("a").last.click()
    page.wait_for_load_state()
    assert page.get_by_text("caractère nul").first.is_visible()
    shot(page, "07-quarantined-ticket")


def test_a_manager_handles_every_budget_anomaly_at_once(browser_page, world) -> None:
    from cabas.gestion.sales.models import Anomaly
    from tests.gestion.sales.matrix import _ticket_of_shop_a

    ticket_id = _ticket_of_shop_a(world)
    for i in range(12):
        Anomaly.objects.create(
            store=world.store_a,
            ticket_id=ticket_id,
            kind=Anomaly.Kind.BUDGET_EXCEEDED,
            message=f"Budget du mois dépassé de {i + 1},00 €.",
        )
    page = browser_page
    sign_in(page, "alice")
    page.goto(page.base_url + "/ventes/anomalies/")
    page.get_by_role("link", name="budget dépassé (12)").click()
    page.wait_for_load_state()
    page.get_by_label("Tout cocher sur cette page").check()
    assert page.locator("input[name=anomaly]:checked").count() == 12
    page.fill("#id_bulk_note", "Dépassements acceptés en commission du 2 décembre")
    shot(page, "01-budget-anomalies-ticked")
    page.get_by_role("button", name="Marquer comme traitées").click()
    page.wait_for_load_state()
    assert page.get_by_text("12 anomalies marquées comme traitées.").is_visible()
    shot(page, "02-handled")
    assert Anomaly.objects.filter(handled_at__isnull=True, kind="budget_exceeded").count() == 0
