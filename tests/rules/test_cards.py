from __future__ import annotations

from cabas.rules.cards import normalize_card_code


def test_a_code_typed_as_printed_or_in_lower_case_is_the_stored_code():
    assert normalize_card_code("6RX5V-9P569") == "6RX5V9P569"
    assert normalize_card_code(" 6rx5v-9p569\t") == "6RX5V9P569"
    assert normalize_card_code("6rx5v 9p569") == "6RX5V9P569"


def test_the_server_normalises_with_the_same_function():
    from cabas.gestion.beneficiaries import codes

    for typed in ("6rx5v-9p569", "BCD2F.GH3JK", "b0001"):
        assert codes.normalize(typed) == normalize_card_code(typed)
