from __future__ import annotations

from tests.gestion.matrix import EVERY_ROLE, PUBLIC, Row

ROWS = [
    Row("core:home", EVERY_ROLE),
    Row("core:healthz", PUBLIC),
]
