"""In a real browser: a manager ticks two products, chooses the small sticker sheet and three
copies of each, prints, and gets the PDF with the cardholders' price; then ticks two households
and prints their cards."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from cabas.gestion.catalog.services import category_create, product_create
from tests.conftest import shot, sign_in
from tests.gestion.beneficiaries.factories import make_household

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _keep_bodies(page: Any, pattern: str) -> list[bytes]:
    """The bodies of the answers to ``pattern``, whichever tab asks (the PDFs open in a new
    tab, whose viewer keeps the body to itself)."""
    bodies: list[bytes] = []

    def handle(route: Any) -> None:
        answer = route.fetch()
        bodies.append(answer.body())
        route.fulfill(response=answer)

    page.context.route(pattern, handle)
    return bodies


def test_a_manager_prints_labels_in_a_chosen_format_and_the_cards_of_two_households(
    browser_page, world
) -> None:
    store = world.store_a
    rayon = category_create(store=store, name="Conserves")
    for name, price in (("Haricots verts 400 g", 189), ("Petits pois 400 g", 165)):
        product_create(
            store=store,
            actor=world.alice,
            name=name,
            category=rayon,
            price_cents=price,
            net_weight_g=400,
        )
    today = store.today()
    for name in ("Martin", "Durand", "Petit"):
        make_household(store, last_name=name, admit=(today, today + timedelta(days=90)))
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, "alice")
    page.goto(f"{page.base_url}/produits/")
    page.get_by_role("checkbox", name="Haricots verts 400 g").check()
    page.get_by_role("checkbox", name="Petits pois 400 g").check()
    page.get_by_label("Format").select_option(label="Petit — 40 par page (52,5 × 29,7 mm)")
    page.get_by_label("Exemplaires de chaque").fill("3")
    shot(page, "01-labels-chosen")
    labels = _keep_bodies(page, "**/produits/etiquettes/")
    with page.context.expect_page() as tab:
        page.get_by_role("button", name="Imprimer les étiquettes des produits cochés").click()
    tab.value.wait_for_load_state()
    pdf = PdfReader(io.BytesIO(labels[0]))
    text = pdf.pages[0].extract_text()
    assert text.count("Haricots verts 400 g") == 3 and text.count("Petits pois 400 g") == 3
    assert "avec la carte" in text and "prix public 1,89 €" in text and "soit 4,73 € le kg" in text

    page.goto(f"{page.base_url}/beneficiaires/")
    page.get_by_role("checkbox", name="Imprimer la carte de MARTIN M.").check()
    page.get_by_role("checkbox", name="Imprimer la carte de PETIT M.").check()
    shot(page, "02-cards-chosen")
    cards = _keep_bodies(page, "**/beneficiaires/cartes/**")
    with page.context.expect_page() as tab:
        page.get_by_role("button", name="Imprimer les cartes des foyers cochés").click()
    tab.value.wait_for_load_state()
    text = PdfReader(io.BytesIO(cards[0])).pages[0].extract_text()
    assert "MARTIN" in text and "PETIT" in text and "DURAND" not in text
