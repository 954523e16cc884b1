"""Checks that parts above sales add to every sold line the intake stores (a recalled product,
from cabas.gestion.recalls): registered from their app's ready(), so that sales imports none
of them (the layers contract).

A check reads once per batch what it needs for the batch's products (``load``), then returns
the anomaly rows of one line (``check``), as :mod:`cabas.gestion.sales.intake` inserts them:
``{"kind", "message", "line_position", "details"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cabas.gestion.stores.models import Store

Row = dict[str, Any]


@dataclass(frozen=True)
class LineCheck:
    name: str
    # (shop, ids of the batch's products, the batch's oldest sale) → what ``check`` reads
    load: Callable[[Store, list[int], datetime], Any]
    # (what load read, product id, sold at, the wire line, its position) → anomaly rows
    check: Callable[[Any, int, datetime, Any, int], list[Row]]


_CHECKS: dict[str, LineCheck] = {}


def register_line_check(check: LineCheck) -> None:
    _CHECKS[check.name] = check


def line_checks() -> tuple[LineCheck, ...]:
    return tuple(_CHECKS.values())
