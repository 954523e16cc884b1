from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cabas.rules.barcodes import (
    DEFAULT_SCALE_LAYOUT,
    ScaleLayout,
    classify,
    decode_scale_code,
    encode_scale_code,
    gtin_check_digit,
    is_valid_gtin,
    lookup_code,
    make_internal_code,
    normalize,
    parse_scale_layout,
)

FAST = settings(max_examples=150, deadline=None)


def digits(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=length, max_size=length)


def with_check(body: str) -> str:
    return body + str(gtin_check_digit(body))


class TestCheckDigits:
    @pytest.mark.parametrize(
        ("code", "kind"),
        [
            ("4006381333931", "ean13"),
            ("3017620422003", "ean13"),
            ("96385074", "ean8"),
            ("036000291452", "upca"),
        ],
    )
    def test_it_accepts_real_codes(self, code: str, kind: str) -> None:
        assert is_valid_gtin(code)
        assert classify(code) == kind

    def test_it_rejects_a_bad_check_digit(self) -> None:
        assert not is_valid_gtin("4006381333932")
        assert classify("4006381333932") == "invalid"

    @pytest.mark.parametrize(
        "code", ["", "123", "400638133393A", "40063813339310", "4006381333931 "]
    )
    def test_it_rejects_other_lengths_and_characters(self, code: str) -> None:
        assert not is_valid_gtin(code)

    def test_it_refuses_to_compute_a_check_digit_for_letters(self) -> None:
        with pytest.raises(ValueError, match="chiffres"):
            gtin_check_digit("12a4")

    @FAST
    @given(body=st.sampled_from([7, 11, 12]).flatmap(digits))
    def test_a_body_with_its_check_digit_is_always_valid(self, body: str) -> None:
        assert is_valid_gtin(with_check(body))

    @FAST
    @given(body=digits(12), data=st.data())
    def test_any_single_wrong_digit_is_detected(self, body: str, data: st.DataObject) -> None:
        code = with_check(body)
        position = data.draw(st.integers(0, 12))
        wrong = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))
        assert not is_valid_gtin(code[:position] + wrong + code[position + 1 :])


class TestNormalize:
    def test_it_strips_spaces(self) -> None:
        assert normalize(" 400 6381 333931\n") == "4006381333931"

    def test_it_turns_a_upc_a_into_its_ean13_form(self) -> None:
        assert normalize("036000291452") == "0036000291452"

    def test_it_leaves_an_invalid_12_digit_code_alone(self) -> None:
        assert normalize("036000291453") == "036000291453"

    @FAST
    @given(body=digits(11))
    def test_a_upc_a_and_its_ean13_form_normalize_alike(self, body: str) -> None:
        upca = with_check(body)
        assert normalize(upca) == normalize("0" + upca) == "0" + upca
        assert is_valid_gtin(normalize(upca))

    @FAST
    @given(body=st.sampled_from([7, 12]).flatmap(digits))
    def test_it_is_idempotent(self, body: str) -> None:
        code = with_check(body)
        assert normalize(normalize(code)) == normalize(code)


class TestInternalCodes:
    def test_it_makes_a_readable_ean13_in_the_internal_range(self) -> None:
        code = make_internal_code(1, 42)
        assert code == with_check("200010000042")
        assert is_valid_gtin(code)
        assert classify(code) == "internal"

    def test_internal_codes_are_not_taken_for_scale_codes(self) -> None:
        assert decode_scale_code(make_internal_code(7, 123)) is None

    @FAST
    @given(
        a=st.tuples(st.integers(0, 999), st.integers(0, 9_999_999)),
        b=st.tuples(st.integers(0, 999), st.integers(0, 9_999_999)),
    )
    def test_distinct_shops_and_sequences_give_distinct_codes(
        self, a: tuple[int, int], b: tuple[int, int]
    ) -> None:
        assert (make_internal_code(*a) == make_internal_code(*b)) == (a == b)

    @pytest.mark.parametrize(("store", "sequence"), [(-1, 1), (1000, 1), (1, 10_000_000)])
    def test_it_refuses_numbers_that_do_not_fit(self, store: int, sequence: int) -> None:
        with pytest.raises(ValueError):
            make_internal_code(store, sequence)

    def test_a_shop_may_configure_another_internal_prefix(self) -> None:
        layout = ScaleLayout(
            weight_prefixes={"21"}, price_prefixes={"22"}, internal_prefixes={"29"}
        )
        code = make_internal_code(3, 9, prefix="29")
        assert classify(code, layout) == "internal"
        assert classify(code) == "ean13"


class TestScaleCodes:
    def test_it_decodes_a_weighed_label(self) -> None:
        code = with_check("211234501250")
        decoded = decode_scale_code(code)
        assert decoded is not None
        assert decoded.kind == "weight"
        assert decoded.value == 1250
        assert decoded.raw_reference == "12345"
        assert decoded.item_reference == with_check("211234500000")

    def test_it_decodes_a_priced_label(self) -> None:
        decoded = decode_scale_code(with_check("240004200399"))
        assert decoded is not None
        assert (decoded.kind, decoded.raw_reference, decoded.value) == ("price", "00042", 399)

    def test_it_ignores_spaces_around_a_label(self) -> None:
        assert decode_scale_code(" " + with_check("211234501250") + " ") is not None

    @pytest.mark.parametrize(
        "code",
        [
            "4006381333931",  # an ordinary product
            with_check("271234501250"),  # a prefix the default layout leaves to the shop
            with_check("211234501250")[:-1] + "0",  # a misread label
            "036000291452",  # a UPC-A
        ],
    )
    def test_it_answers_none_for_other_codes(self, code: str) -> None:
        assert decode_scale_code(code) is None

    def test_it_skips_the_price_check_digit_when_the_layout_has_one(self) -> None:
        layout = ScaleLayout(reference_digits=4, price_check_digit=True)
        decoded = decode_scale_code(with_check("241234701999"), layout)
        assert decoded is not None
        assert (decoded.raw_reference, decoded.value) == ("1234", 1999)
        assert decoded.item_reference == with_check("241234000000")

    @FAST
    @given(
        prefix=st.sampled_from(
            sorted(DEFAULT_SCALE_LAYOUT.weight_prefixes | DEFAULT_SCALE_LAYOUT.price_prefixes)
        ),
        reference=digits(5),
        value=st.integers(0, 99_999),
        other_value=st.integers(0, 99_999),
    )
    def test_generated_labels_decode_to_what_was_encoded(
        self, prefix: str, reference: str, value: int, other_value: int
    ) -> None:
        code = encode_scale_code(prefix, reference, value)
        assert is_valid_gtin(code) and classify(code) == "ean13"
        decoded = decode_scale_code(code)
        assert decoded is not None
        assert decoded.kind == ("weight" if prefix in {"21", "22", "23"} else "price")
        assert (decoded.raw_reference, decoded.value) == (reference, value)
        assert decoded.item_reference == lookup_code(prefix, reference)
        # Every label of the item finds the same product.
        other = decode_scale_code(encode_scale_code(prefix, reference, other_value))
        assert other is not None and other.item_reference == decoded.item_reference

    @FAST
    @given(reference_digits=st.integers(1, 8), data=st.data())
    def test_any_valid_layout_round_trips_its_labels(
        self, reference_digits: int, data: st.DataObject
    ) -> None:
        price_check = data.draw(st.booleans())
        value_digits = 10 - reference_digits - int(price_check)
        layout = ScaleLayout(
            reference_digits=reference_digits,
            value_digits=value_digits,
            price_check_digit=price_check,
        )
        reference = data.draw(digits(reference_digits))
        value = data.draw(st.integers(0, 10**value_digits - 1))
        decoded = decode_scale_code(encode_scale_code("25", reference, value, layout), layout)
        assert decoded is not None
        assert (decoded.kind, decoded.raw_reference, decoded.value) == ("price", reference, value)


class TestScaleLayoutParsing:
    def test_an_empty_object_gives_the_default_layout(self) -> None:
        assert parse_scale_layout({}) == DEFAULT_SCALE_LAYOUT

    def test_a_layout_survives_a_json_round_trip(self) -> None:
        layout = ScaleLayout(
            weight_prefixes={"22", "23"},
            price_prefixes={"28"},
            internal_prefixes={"20", "21"},
            reference_digits=4,
            price_check_digit=True,
        )
        assert parse_scale_layout(json.loads(json.dumps(layout.to_dict()))) == layout

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"prefixes": ["21"]}, "Clé inconnue"),
            ({"weight_prefixes": "21"}, "liste de préfixes"),
            ({"weight_prefixes": [21]}, "guillemets"),
            ({"weight_prefixes": ["31"]}, "de 20 à 29"),
            ({"weight_prefixes": ["2"]}, "deux chiffres"),
            ({"price_prefixes": ["21"]}, "deux usages"),
            ({"reference_digits": 6}, "13 chiffres"),
            ({"reference_digits": "5"}, "nombre entier"),
            ({"value_digits": True}, "nombre entier"),
            ({"price_check_digit": "oui"}, "true ou false"),
            ({"reference_digits": 0, "value_digits": 10}, "au moins un chiffre"),
            (["21"], "objet JSON"),
        ],
    )
    def test_it_explains_a_bad_layout_in_french(self, data: object, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            parse_scale_layout(data)  # type: ignore[arg-type]
