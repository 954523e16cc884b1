"""In a real browser: a manager adds a cashier, who then sees only the cashier's navigation."""

from __future__ import annotations

import pytest

from tests.conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_creates_a_cashier_who_sees_only_the_cashier_navigation(
    browser_page, world
) -> None:
    page = browser_page
    sign_in(page, "alice")
    shot(page, "01-manager-home")
    assert page.locator("nav.sections").get_by_text("Paramètres").is_visible()

    page.get_by_role("link", name="Paramètres").first.click()
    page.get_by_role("link", name="L'équipe").click()
    page.get_by_text("Ajouter une personne").click()
    page.fill("#id_username", "zoe")
    page.fill("#id_first_name", "Zoé")
    page.fill("#id_last_name", "Martin")
    page.fill("#id_email", "zoe@example.org")
    page.select_option("#id_role", "caisse")
    page.fill("#id_password", "zoe-caisse-2026!")
    shot(page, "02-add-cashier-form")
    page.get_by_role("button", name="Ajouter").click()
    page.wait_for_load_state()
    assert page.get_by_text("Zoé Martin fait maintenant partie de l'épicerie.").is_visible()
    shot(page, "03-team-list")

    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, "zoe", "zoe-caisse-2026!")
    shot(page, "04-cashier-home")
    body = page.content()
    assert "Hôte de caisse" in body
    assert "Paramètres" not in page.locator("nav.sections").all_inner_texts().__str__()
    page.goto(page.base_url + "/parametres/equipe/")
    assert "Accès refusé" in page.content()
    shot(page, "05-cashier-refused")


def test_the_journal_reads_as_sentences_and_filters(browser_page, world) -> None:
    from cabas.gestion.catalog.services import product_create, product_update
    from tests.gestion.catalog.matrix import _rayon

    rice = product_create(
        store=world.store_a, actor=world.alice, name="Riz", category=_rayon(world), price_cents=120
    )
    product_update(product=rice, actor=world.alice, data={"price_cents": 150})
    page = browser_page
    sign_in(page, "alice")
    page.goto(page.base_url + "/parametres/journal/")
    assert page.get_by_text("Alice a changé le prix du produit « Riz »").is_visible()
    shot(page, "01-journal")
    page.select_option("#id_kind", "team")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_load_state()
    assert page.get_by_text("Riz").count() == 0
    shot(page, "02-journal-team-only")
