"""In a real browser: alice records the recall of a product bought by a household, sees the
household with its phone number, notes that she called it, and lifts the tills' block."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cabas.gestion.beneficiaries.services import household_update
from cabas.gestion.recalls.models import Recall, RecallActionKind, RecallState
from tests.conftest import shot, sign_in
from tests.gestion.pos.conftest import enroll_till
from tests.gestion.sales.conftest import make_shop, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_records_a_recall_and_calls_the_household(browser_page, world) -> None:
    shop = make_shop(world.store_a, world.store_a.memberships.get(user=world.bob).pk)
    household_update(household=shop.household, actor=world.alice, data={"phone": "06 12 34 56 78"})
    till = enroll_till(world.store_a)
    sold = till.post("tickets", {"tickets": [ticket(shop, [(shop.pasta, 2)])]})
    assert sold.json()["results"][0]["status"] == "created"

    page = browser_page
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, "alice")
    page.locator("nav.sections").get_by_role("link", name="Rappels").click()
    page.get_by_role("button", name="Enregistrer un rappel").click()
    page.fill("#q", "spaghet")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("link", name="Spaghetti").click()
    page.get_by_label("les lots d'une plage de DLC").check()
    day = timezone.localdate() + timedelta(days=30)
    page.fill("#id_dlc_from", day.isoformat())
    page.fill("#id_reason", "Salmonelle")
    page.select_option("#id_source", label="fournisseur")
    page.fill("#id_source_reference", "Courrier du 3 décembre")
    shot(page, "01-recall-form")
    page.get_by_role("button", name="Enregistrer le rappel").click()
    page.wait_for_load_state()
    assert page.locator(".messages").get_by_text("Rappel enregistré").is_visible()
    assert page.get_by_text("06 12 34 56 78").is_visible()
    assert page.get_by_text("à prévenir").is_visible()
    shot(page, "02-recall-page")

    page.get_by_role("button", name="Prévenu").click()
    page.wait_for_load_state()
    assert page.get_by_text("Action enregistrée.").is_visible()
    page.get_by_role("button", name="Débloquer la vente en caisse").click()
    page.wait_for_load_state()
    shot(page, "03-called-and-lifted")
    recall = Recall.objects.get()
    assert recall.state == RecallState.LIFTED and recall.removed_qty == 48  # 50 received, 2 sold
    assert recall.actions.filter(
        kind=RecallActionKind.HOUSEHOLD_CALLED, household=shop.household, done_by=world.alice
    ).exists()
