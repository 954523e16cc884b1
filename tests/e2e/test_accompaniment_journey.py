"""In a real browser: a manager sets a household's project and sees its savings on the
household's page; opens weekly slots; the team books and marks appointments in the day view
(1366 and 390 px wide)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from cabas.gestion.accompaniment import services
from cabas.gestion.accompaniment.models import Appointment, Project, Slot
from cabas.gestion.pos.models import Device
from cabas.gestion.sales.intake import ticket_batch_ingest
from tests.conftest import shot, sign_in
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.pos.conftest import enroll_till
from tests.gestion.sales.conftest import make_shop, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sets_a_project_and_sees_its_savings_on_the_household_page(
    browser_page, world
) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    shop = make_shop(world.store_a, world.store_a.memberships.get(user=world.bob).pk)
    household = shop.household
    sign_in(page, "alice")
    page.goto(page.base_url + f"/beneficiaires/{household.pk}/")
    page.get_by_role("link", name="Définir un projet").click()
    today = world.store_a.today()
    page.fill("#id_label", "Permis de conduire")
    page.fill("#id_goal_cents", "abc")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_text("Saisissez un nombre.").is_visible()
    page.fill("#id_goal_cents", "120")
    page.fill("#id_start", (today - timedelta(days=20)).isoformat())
    page.fill("#id_target_date", (today + timedelta(days=160)).isoformat())
    page.fill("#id_contract_terms", "Mettre de côté 20 € par mois ; un point chaque mois.")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_load_state()
    assert page.get_by_text("Projet enregistré.").is_visible()
    project = Project.objects.get(household=household)

    device = Device.objects.get(pk=enroll_till(world.store_a).device.pk)
    sale = ticket(shop, [(shop.pasta, 20), (shop.milk, 10)])  # 40 € full price, 8 € paid
    refund = ticket(shop, [(shop.milk, -5)], refund_of=sale["id"])
    ticket_batch_ingest(device=device, raw_tickets=[sale, refund])

    page.fill("#id_notes", "Premier point : le foyer a ouvert un livret.")
    page.get_by_role("button", name="Ajouter le point d'étape").click()
    page.wait_for_load_state()
    assert page.get_by_text("Premier point : le foyer a ouvert un livret.").is_visible()
    page.get_by_role("button", name="Enregistrer la signature").click()
    page.wait_for_load_state()
    services.workshop_create(
        store=world.store_a, actor=world.alice, title="Cuisine de saison", held_on=today
    )
    page.reload()
    page.select_option("#id_workshop", label=f"Cuisine de saison ({today:%d/%m/%Y})")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("Participation enregistrée.").is_visible()
    assert page.get_by_text(f"Cuisine de saison · {today:%d/%m/%Y}").is_visible()
    shot(page, "01-accompaniment-1366")

    page.get_by_role("link", name="retour au dossier").click()
    page.wait_for_load_state()
    text = page.locator("#projet").inner_text()
    # 40 € − 8 €, then the refund of 5 milks takes back 5 × (1 € − 0,20 €) = 4 €: 28 €.
    assert "28,00 € épargnés sur 120,00 €" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "Premier point" not in page.content()
    assert page.locator("#projet progress").get_attribute("value") == "23"
    page.locator("#projet").scroll_into_view_if_needed()
    shot(page, "02-household-page-with-project-1366")
    assert project.contract_signed_on is None
    project.refresh_from_db()
    assert project.contract_signed_on == today


def test_the_team_books_and_marks_appointments_in_the_day_view(browser_page, world) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    today = world.store_a.today()
    households = [
        make_household(world.store_a, last_name=name, first_name="Léa")
        for name in ("Benali", "Martin", "Nguyen", "Durand", "Lefèvre")
    ]
    sign_in(page, "alice")
    page.goto(page.base_url + "/rendez-vous/creneaux/")
    page.select_option("#id_weekday", str(today.weekday()))
    page.fill("#id_start_time", "00:00")
    page.fill("#id_end_time", "00:30")
    page.fill("#id_capacity", "4")
    page.select_option("#id_kind", "shopping")
    page.fill("#id_first_date", today.isoformat())
    page.fill("#id_last_date", (today + timedelta(weeks=8)).isoformat())
    page.get_by_role("button", name="Créer les créneaux").click()
    page.wait_for_load_state()
    assert page.get_by_text("Créneaux hebdomadaires créés.").is_visible()
    assert Slot.objects.filter(store=world.store_a).count() == 9
    interviews = services.slot_create(
        store=world.store_a,
        actor=world.alice,
        day=today,
        start_time=time(23, 0),
        end_time=time(23, 45),
        capacity=2,
        kind="interview",
    )
    services.appointment_book(
        slot=interviews, household=households[4], kind="interview", actor=world.alice
    )
    shot(page, "03-slots-1366")
    page.locator(
        "form[action='/deconnexion/'] button, form[action$='logout/'] button"
    ).first.click()

    sign_in(page, "bob")
    page.locator("nav.sections").get_by_role("link", name="Rendez-vous").click()
    page.wait_for_load_state()
    shopping = page.locator("article.slot").first
    for household in households[:4]:
        shopping = page.locator("article.slot").first
        shopping.locator("input[name=card]").fill(household.code)
        shopping.get_by_role("button", name="Réserver").click()
        page.wait_for_load_state()
        assert page.get_by_text("Rendez-vous pris.").is_visible()
    assert page.get_by_text("4 / 4 places prises").is_visible()
    # Full: no more booking form on that slot.
    assert page.locator("article.slot").first.locator("form.book").count() == 0
    row = page.locator("li", has_text=households[0].label)
    row.get_by_role("button", name="Absent").click()
    page.wait_for_load_state()
    page.locator("li", has_text=households[1].label).get_by_role("button", name="Venu").click()
    page.wait_for_load_state()
    assert Appointment.objects.get(household=households[0]).status == "no_show"
    assert page.locator("li", has_text=households[0].label).get_by_text("1 absence").is_visible()
    assert "Premier point" not in page.content()
    shot(page, "04-day-view-1366")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 2, width
    shot(page, "05-day-view-390")
