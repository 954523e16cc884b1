"""The category path of a product: its rayon, then the parents up to the root."""

from __future__ import annotations

from cabas.rules import categories


def test_a_sous_rayon_then_its_rayon() -> None:
    assert categories.path(12, {12: 3, 3: None}) == [12, 3]


def test_a_rayon_alone_and_no_category() -> None:
    assert categories.path(3, {3: None}) == [3]
    assert categories.path(None, {3: None}) == []


def test_an_unknown_parent_ends_the_path() -> None:
    assert categories.path(12, {12: 99}) == [12, 99]
    assert categories.path(7, {}) == [7]


def test_a_cycle_is_cut() -> None:
    assert categories.path(1, {1: 2, 2: 1}) == [1, 2]
    assert categories.path(5, {5: 5}) == [5]


def test_string_ids_as_the_quotas_use_them() -> None:
    assert categories.path("12", {"12": "3", "3": None}) == ["12", "3"]
