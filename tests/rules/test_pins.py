from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.rules.pins import (
    DEFAULT_ITERATIONS,
    hash_pin,
    pin_weakness,
    validate_new_pin,
    validate_pin,
    verify_pin,
)

FAST = settings(max_examples=25, deadline=None)
pins = st.from_regex(r"[0-9]{4,8}", fullmatch=True)


class TestValidatePin:
    @pytest.mark.parametrize("pin", ["0000", "1234", "12345678"])
    def test_it_accepts_4_to_8_digits(self, pin: str) -> None:
        validate_pin(pin)

    @pytest.mark.parametrize("pin", ["", "123", "123456789", "12a4", "12 34", "١٢٣٤", " 1234"])
    def test_it_refuses_anything_else_in_french(self, pin: str) -> None:
        with pytest.raises(ValueError, match="de 4 à 8 chiffres"):
            validate_pin(pin)


class TestHashPin:
    def test_it_uses_a_slow_salted_self_describing_hash(self) -> None:
        encoded = hash_pin("2580")
        algorithm, iterations, salt, digest = encoded.split("$")
        assert (algorithm, int(iterations)) == ("pbkdf2_sha256", DEFAULT_ITERATIONS)
        assert salt and digest and "2580" not in encoded
        assert verify_pin("2580", encoded)
        assert not verify_pin("2581", encoded)

    def test_two_hashes_of_the_same_pin_differ(self) -> None:
        assert hash_pin("2580", iterations=1000) != hash_pin("2580", iterations=1000)

    def test_a_given_salt_makes_it_reproducible(self) -> None:
        salt = b"0123456789abcdef"
        assert hash_pin("2580", salt=salt, iterations=1000) == hash_pin(
            "2580", salt=salt, iterations=1000
        )

    def test_it_refuses_to_hash_an_invalid_pin(self) -> None:
        with pytest.raises(ValueError, match="chiffres"):
            hash_pin("12")

    def test_it_refuses_a_silly_iteration_count(self) -> None:
        with pytest.raises(ValueError, match="itérations"):
            hash_pin("1234", iterations=0)

    @FAST
    @given(pin=pins, other=pins)
    def test_verify_accepts_the_pin_and_only_it(self, pin: str, other: str) -> None:
        encoded = hash_pin(pin, iterations=100)
        assert verify_pin(pin, encoded)
        assert verify_pin(other, encoded) == (other == pin)


class TestVerifyPin:
    @pytest.mark.parametrize(
        "encoded",
        [
            "",
            "1234",
            "pbkdf2_sha256$1000$c2FsdA==",
            "md5$1000$c2FsdA==$aGFzaA==",
            "pbkdf2_sha256$abc$c2FsdA==$aGFzaA==",
            "pbkdf2_sha256$0$c2FsdA==$aGFzaA==",
            "pbkdf2_sha256$1000$!!!$aGFzaA==",
            "pbkdf2_sha256$1000$c2FsdA==$",
            "pbkdf2_sha256$99999999999$c2FsdA==$aGFzaA==",
        ],
    )
    def test_a_malformed_hash_verifies_nothing(self, encoded: str) -> None:
        assert not verify_pin("1234", encoded)

    def test_a_tampered_hash_verifies_nothing(self) -> None:
        encoded = hash_pin("1234", iterations=1000)
        algorithm, iterations, salt, _digest = encoded.split("$")
        other = hash_pin("9999", salt=b"x" * 16, iterations=1000).split("$")[3]
        assert not verify_pin("1234", "$".join([algorithm, iterations, salt, other]))


class TestTrivialPins:
    @pytest.mark.parametrize(
        "pin", ["0000", "1111", "1234", "4321", "7890", "0987", "1212", "123123", "2580"]
    )
    def test_it_refuses_repeats_runs_and_common_pins(self, pin: str) -> None:
        with pytest.raises(ValueError, match="choisissez-en"):
            validate_new_pin(pin)

    @pytest.mark.parametrize("pin", ["4821", "1357", "90210", "27183"])
    def test_it_accepts_a_pin_with_no_pattern(self, pin: str) -> None:
        assert pin_weakness(pin) is None

    def test_it_refuses_the_digits_others_can_read(self) -> None:
        assert pin_weakness("7319", known_digits=["K7319X4Q2Z"]) is not None
        assert pin_weakness("4821", known_digits=["marie2019"]) is None
        assert pin_weakness("2019", known_digits=["marie2019"]) is not None
