"""The rayons a product belongs to, the same on the till and on the server."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

CategoryId = TypeVar("CategoryId", bound=Hashable)


def path(
    category_id: CategoryId | None, parents: Mapping[CategoryId, CategoryId | None]
) -> list[CategoryId]:
    """The category, then its parents up to the root: what a rate or a quota on a rayon
    applies through. An unknown parent ends the path; a cycle (bad data) is cut."""
    walked: list[CategoryId] = []
    seen: set[CategoryId] = set()
    while category_id is not None and category_id not in seen:
        walked.append(category_id)
        seen.add(category_id)
        category_id = parents.get(category_id)
    return walked
