"""The permission matrix: for every URL of la gestion, the answer each person gets.

Each app lists its URLs in `tests/gestion/<app>/matrix.py` as `ROWS`. The test fails for any
URL of the project that no row lists, so a new page cannot ship without its row.

Actors: anonymous; manager (alice), stock (diane), cashier (bob) of shop A; other (charlie,
manager of shop B). For a page of "the current shop", charlie sees his own shop (so usually 200);
for an object of shop A, charlie must get 404.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tests.gestion

ACTORS = ("anonymous", "manager", "stock", "cashier", "other")
LOGIN = 302


@dataclass(frozen=True)
class Row:
    url_name: str
    expect: dict[str, int]
    kwargs: Callable[[Any], dict[str, Any]] | None = None
    method: str = "get"
    data: Callable[[Any], dict[str, Any]] | None = None
    note: str = field(default="")


def answers(
    *, anonymous: int = LOGIN, manager: int, stock: int, cashier: int, other: int
) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "manager": manager,
        "stock": stock,
        "cashier": cashier,
        "other": other,
    }


MANAGER_ONLY = answers(manager=200, stock=403, cashier=403, other=200)
STOCK_AND_MANAGER = answers(manager=200, stock=200, cashier=403, other=200)
EVERY_ROLE = answers(manager=200, stock=200, cashier=200, other=200)
MANAGER_AND_CASHIER = answers(manager=200, stock=403, cashier=200, other=200)
PUBLIC = answers(anonymous=200, manager=200, stock=200, cashier=200, other=200)


def object_of_shop_a(base: dict[str, int]) -> dict[str, int]:
    """The same answers, except charlie, who must not even learn that the object exists."""
    return {**base, "other": 404}


def all_rows() -> list[Row]:
    rows: list[Row] = []
    for module_info in pkgutil.walk_packages(tests.gestion.__path__, "tests.gestion."):
        if module_info.name.endswith(".matrix") and module_info.name != "tests.gestion.matrix":
            rows.extend(importlib.import_module(module_info.name).ROWS)
    return rows
