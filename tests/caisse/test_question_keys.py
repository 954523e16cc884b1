"""Keys typed during a yes/no question: a scanner's never answer it, and are kept."""

from __future__ import annotations

from cabas.caisse.core.keys import ENTER, QuestionKeys


def typed(keys: QuestionKeys, text: str, start: float, every: float = 15) -> float:
    """Type ``text`` (a scanner at ``every`` ms per key); returns the time of the last key."""
    at = start
    for index, char in enumerate(text):
        at = start + index * every
        keys.key(char, at)
    return at


def test_a_scanned_code_and_its_enter_never_answer():
    keys = QuestionKeys()
    typed(keys, "3760000000052" + ENTER, 1000)
    assert keys.settle() is None
    assert keys.held_codes() == (["3760000000052"], "")


def test_a_card_code_starting_with_an_n_or_holding_an_o_is_kept_not_an_answer():
    for code in ("N4K2O-9P569", "6RX5V-9P5O9", "O12345"):
        keys = QuestionKeys()
        typed(keys, code + ENTER, 1000)
        assert keys.settle() is None, code
        assert keys.held_codes() == ([code], ""), code


def test_o_or_n_typed_alone_answers():
    keys = QuestionKeys()
    keys.key("O", 1000)
    assert keys.settle() is True
    keys = QuestionKeys()
    keys.key("n", 1000)
    assert keys.settle() is False


def test_an_answer_after_a_scan_still_counts_and_the_scan_is_kept():
    keys = QuestionKeys()
    last = typed(keys, "3760000000052" + ENTER, 1000)
    keys.key("o", last + 400)
    assert keys.settle() is True
    assert keys.held_codes() == (["3760000000052"], "")


def test_the_end_of_a_scan_right_after_it_is_no_answer():
    keys = QuestionKeys()
    last = typed(keys, "12345", 1000)
    keys.key("n", last + 15)  # within the scanner's rhythm
    assert keys.settle() is None
    assert keys.held_codes() == ([], "12345n")


def test_a_lone_enter_a_person_pressed_is_dropped_not_replayed():
    keys = QuestionKeys()
    keys.key(ENTER, 1000)
    assert keys.settle() is None and keys.held_text() == ""


def test_a_code_scanned_into_an_amount_field_is_told_from_what_a_person_typed():
    from cabas.caisse.core.keys import scanned_tail

    person = [1000, 1180, 1420]  # "20," at a person's pace
    assert scanned_tail(person, 1700) == 0
    scanner = [5000 + 15 * i for i in range(13)]
    assert scanned_tail(person + scanner, scanner[-1] + 15) == 13
    # Entrée pressed by the person a while after typing fast: not a scan.
    assert scanned_tail(scanner, scanner[-1] + 300) == 0
    assert scanned_tail([], 10) == 0
    assert scanned_tail([1000, 1010], 1020) == 0  # two quick keys: no barcode is that short
