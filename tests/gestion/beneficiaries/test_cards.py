from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from django.urls import reverse
from pypdf import PdfReader

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries import cards, codes, selectors, services
from tests.gestion.beneficiaries.factories import make_household

OUTPUT = Path("test-output/test_card_pdf")


def test_the_card_pdf_has_ten_credit_card_sized_cards_per_a4_page(world) -> None:
    pdf = cards.cards_pdf("Épicerie A", [(f"NOM{i} X.", codes.generate()) for i in range(13)])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    first = reader.pages[0].extract_text()
    assert first.count("Épicerie A") == 10
    assert "NOM0 X." in first and "NOM9 X." in first
    assert "NOM12 X." in reader.pages[1].extract_text()
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4
    assert round(cards.CARD_WIDTH / 72 * 25.4, 1) == 85.6
    assert round(cards.CARD_HEIGHT / 72 * 25.4, 1) == 54.0


def test_a_household_card_prints_its_label_code_and_the_shop_name(world, client) -> None:
    household = make_household(world.store_a, last_name="Martin", first_name="Jules")
    client.force_login(world.alice)
    response = client.get(reverse("beneficiaries:card", args=[household.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "MARTIN J." in text
    assert "Épicerie A" in text
    assert codes.display(household.code) in text
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "card.pdf").write_bytes(response.content)
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "100",
                "-f",
                "1",
                "-l",
                "1",
                str(OUTPUT / "card.pdf"),
                str(OUTPUT / "card"),
            ],
            check=True,
        )
        assert (OUTPUT / "card-1.png").exists()


def test_reissuing_a_card_invalidates_the_old_code_and_is_audited(world) -> None:
    household = make_household(world.store_a)
    old = household.code
    new = services.household_card_reissue(
        household=household, actor=world.alice, reason="Carte perdue"
    )
    assert new != old and codes.is_valid(new)
    assert selectors.household_for_code(world.store_a, old) is None
    assert selectors.household_for_code(world.store_a, new) == household
    event = AuditEvent.objects.get(action="household.card_reissued")
    assert event.changes["code"] == [old, new] and event.reason == "Carte perdue"
    assert old in selectors.codes_retired_since(world.store_a, household.created_at)


def test_a_retired_code_is_never_given_again(world, monkeypatch) -> None:
    household = make_household(world.store_a)
    old = household.code
    services.household_card_reissue(household=household, actor=world.alice)
    fresh = codes.generate()
    sequence = iter([old, fresh])
    monkeypatch.setattr(codes, "generate", lambda: next(sequence))
    other = make_household(world.store_a, last_name="Autre")
    assert other.code == fresh


def test_the_cards_of_the_active_households_print_in_one_pdf(world, client) -> None:
    today = world.store_a.today()
    from datetime import timedelta

    for index in range(3):
        make_household(
            world.store_a, last_name=f"Carte{index}", admit=(today, today + timedelta(days=90))
        )
    make_household(world.store_a, last_name="Sansdroits")
    client.force_login(world.alice)
    response = client.get(reverse("beneficiaries:cards"))
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert text.count("CARTE") == 3 and "SANSDROITS" not in text


def test_the_cards_of_the_chosen_households_carry_the_shops_logo(world, client) -> None:
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from PIL import Image

    store = world.store_a
    buffer = io.BytesIO()
    Image.new("RGB", (200, 80), (46, 125, 50)).save(buffer, format="PNG")
    store.logo.save("logo.png", ContentFile(buffer.getvalue()), save=True)
    today = store.today()
    chosen = [
        make_household(store, last_name=name, admit=(today, today + timedelta(days=90)))
        for name in ("Choisi", "Aussi")
    ]
    make_household(store, last_name="Oublie", admit=(today, today + timedelta(days=90)))
    theirs = make_household(world.store_b, last_name="Decharlie")
    client.force_login(world.alice)
    page = client.get(reverse("beneficiaries:list")).content.decode()
    assert 'form="cards-form"' in page and "Imprimer les cartes des foyers cochés" in page
    response = client.get(
        reverse("beneficiaries:cards"),
        {"id": [chosen[0].pk, chosen[1].pk, theirs.pk, "²", "9" * 40]},
    )
    reader = PdfReader(io.BytesIO(response.content))
    text = reader.pages[0].extract_text()
    assert "CHOISI" in text and "AUSSI" in text
    assert "OUBLIE" not in text and "DECHARLIE" not in text
    # The logo is one image of the PDF, drawn on each of the two cards.
    assert len(reader.pages[0].images) == 1
    assert reader.pages[0].get_contents().get_data().count(b" Do") == 2
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "cards-with-logo.pdf").write_bytes(response.content)
