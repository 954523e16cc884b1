"""Input as cashiers type it: "3*" and the scan in one go, card numbers as printed."""

from __future__ import annotations

from tests.caisse.fakes import ean


def test_a_quantity_star_and_the_code_in_one_go_add_that_many(till, view):
    till.scan("3*" + ean("376000000002"))
    assert view.texts("error") == []
    line = view.carts[-1].lines[0]
    assert line.label == "Produit 2" and line.quantity == 3
    assert till.pending_quantity is None


def test_a_quantity_star_alone_waits_for_the_next_scan(till, view):
    till.scan("2 *")
    assert till.pending_quantity == 2 and till.lines == []
    till.scan(ean("376000000001"))
    assert till.lines[0].quantity == 2


def test_an_impossible_quantity_before_a_code_adds_nothing(till, view):
    till.scan("0*" + ean("376000000002"))
    assert till.lines == [] and "Quantité invalide" in view.texts("error")[-1]


def test_a_card_typed_in_lower_case_or_with_a_hyphen_is_found(till, view):
    till.scan("b0001")
    assert till.client is not None and till.client.code == "B0001"
    till.clear_client()
    till.scan("B00-01")
    assert till.client is not None and till.client.code == "B0001"
    till.clear_client()
    till.set_client(" b0001 ")  # F2, typed by hand
    assert till.client is not None and till.client.code == "B0001"
    assert not any("Carte inconnue" in text for text in view.texts("error"))
