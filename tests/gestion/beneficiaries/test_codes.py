from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabas.gestion.beneficiaries import codes, selectors, services
from cabas.gestion.beneficiaries.models import Household
from tests.gestion.beneficiaries.factories import make_household


def test_a_generated_code_is_valid_and_holds_a_letter() -> None:
    for _ in range(200):
        code = codes.generate()
        assert len(code) == codes.CODE_LENGTH
        assert codes.is_valid(code)
        assert not code.isdigit()


def test_the_check_character_catches_every_single_substitution_and_adjacent_swap() -> None:
    code = codes.generate()
    for position in range(codes.CODE_LENGTH - 1):
        for char in codes.ALPHABET:
            if char != code[position]:
                typo = code[:position] + char + code[position + 1 :]
                assert not codes.is_valid(typo), typo
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        if swapped != code:
            assert not codes.is_valid(swapped), swapped


def test_codes_are_not_a_sequence() -> None:
    generated = {codes.generate() for _ in range(500)}
    assert len(generated) == 500
    assert len({code[:3] for code in generated}) > 100


def test_a_typed_code_is_normalised_before_the_look_up(world) -> None:
    household = make_household(world.store_a)
    typed = f" {codes.display(household.code).lower()} "
    assert selectors.household_for_code(world.store_a, typed) == household


def test_a_household_is_found_by_its_code_only_in_its_own_shop(world) -> None:
    household = make_household(world.store_a)
    assert selectors.household_for_code(world.store_a, household.code) == household
    assert selectors.household_for_code(world.store_b, household.code) is None
    assert selectors.household_for_code(world.store_a, "NOT-A-CODE") is None


def test_each_household_of_a_shop_gets_its_own_code(world) -> None:
    households = [make_household(world.store_a, last_name=f"N{i}") for i in range(30)]
    assert len({h.code for h in households}) == 30


def test_the_database_refuses_two_households_with_one_code_in_a_shop(world) -> None:
    from django.db import IntegrityError, transaction

    first = make_household(world.store_a)
    second = make_household(world.store_a, last_name="Martin")
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=second.pk).update(code=first.code)


def test_the_label_is_the_surname_and_an_initial() -> None:
    assert services.household_label("Dupont", "marie") == "DUPONT M."
    assert services.household_label("  de la   Fontaine ", "") == "DE LA FONTAINE"
    assert len(services.household_label("X" * 80, "Y")) == services.LABEL_LENGTH


@given(st.text(alphabet=codes.ALPHABET, min_size=codes.RANDOM_LENGTH, max_size=codes.RANDOM_LENGTH))
def test_any_body_with_its_check_character_is_valid_and_survives_display(body: str) -> None:
    code = body + codes.check_character(body)
    assert codes.is_valid(code)
    assert codes.normalize(codes.display(code).lower()) == code


@given(st.text(max_size=20))
def test_anything_typed_is_either_a_valid_code_or_refused_without_error(typed: str) -> None:
    normalized = codes.normalize(typed)
    assert codes.is_valid(normalized) in (True, False)
