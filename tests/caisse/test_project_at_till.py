"""The household's project at the till: shown when its card is scanned, printed on its
receipt with this ticket's saving, only when the shop sends it."""

from __future__ import annotations

from cabas.caisse.core.receipt import ProjectShown
from tests.caisse.conftest import NOW
from tests.caisse.fakes import make_snapshot
from tests.caisse.test_till import scan_product


def with_project(ctx, view, project):
    snapshot = make_snapshot()
    data = snapshot.model_dump(mode="json")
    data["beneficiaries"][0]["project"] = project
    ctx.store.save(type(snapshot).model_validate(data), fetched_at=NOW)
    till = ctx.till(view, now=lambda: NOW)
    till.sign_in(7, "1234")
    return till


PROJECT = {
    "label": "Permis de conduire",
    "goal_cents": 80_000,
    "saved_cents": 12_000,
    "target_date": "2027-05-01",
}


def test_the_project_is_shown_when_the_card_is_scanned(ctx, view):
    till = with_project(ctx, view, PROJECT)
    till.scan("B0001")
    assert any(
        "Projet « Permis de conduire » : 120,00" in text
        and "sur 800,00" in text
        and "(15 %)" in text
        for text in view.texts("info")
    ), view.messages


def test_the_receipt_prints_the_project_with_this_tickets_saving_and_waiting_ones(ctx, view):
    till = with_project(ctx, view, PROJECT)
    till.scan("B0001")
    scan_product(till, 5)  # 500 full, 30 % -> 150: 350 saved
    till.add_payment("cash", tendered_cents=200)
    receipt = view.paid[-1][1]
    text = receipt.text
    assert "Votre projet : Permis de conduire" in text
    assert "123,50 EUR / 800,00 EUR" in text  # 120 € + 3,50 € of this ticket
    assert "15 %" in text
    # The next scan counts the ticket still waiting to be sent.
    till.scan("B0001")
    assert till.project_of(till.client) == ProjectShown("Permis de conduire", 12_350, 80_000)


def test_no_project_without_the_shops_consent(till, view):
    till.scan("B0001")
    assert not any("Projet" in text for text in view.texts())
    scan_product(till, 5)
    till.add_payment("cash", tendered_cents=200)
    assert "Votre projet" not in view.paid[-1][1].text
