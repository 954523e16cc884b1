"""docs/permissions.md says exactly what the code enforces."""

from __future__ import annotations

import re
from pathlib import Path

from cabas.gestion.stores.permissions import ROLE_PERMISSIONS, Role

DOC = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"


def test_the_documented_matrix_is_the_enforced_one() -> None:
    documented: dict[str, set[str]] = {Role.MANAGER: set(), Role.STOCK: set(), Role.CASHIER: set()}
    for line in DOC.read_text().splitlines():
        match = re.match(r"\| `([\w.]+)` \|[^|]*\|(.*)\|$", line)
        if not match:
            continue
        cells = [cell.strip() for cell in match.group(2).split("|")]
        for role, cell in zip((Role.MANAGER, Role.STOCK, Role.CASHIER), cells, strict=True):
            if cell == "✔":
                documented[role].add(match.group(1))
    assert documented == {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()}
