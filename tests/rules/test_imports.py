"""The rules are shared by the till and the server: they import neither (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cabas.rules

RULES_DIR = Path(cabas.rules.__file__).parent
FORBIDDEN = ("django", "ninja", "cabas.gestion", "cabas.caisse", "tkinter")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(RULES_DIR.glob("*.py")), ids=lambda p: p.name)
def test_a_rules_module_imports_neither_the_server_nor_the_till(path: Path) -> None:
    offending = {
        name
        for name in imported_modules(path)
        for forbidden in FORBIDDEN
        if name == forbidden or name.startswith(forbidden + ".")
    }
    assert not offending, f"{path.name} imports {sorted(offending)}"
