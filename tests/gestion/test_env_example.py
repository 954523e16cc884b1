"""Every environment variable the settings read is listed in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_variable_read_by_the_code_is_in_env_example() -> None:
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    used: set[str] = set()
    for path in (ROOT / "src" / "cabas" / "gestion").rglob("*.py"):
        used |= set(
            re.findall(r"env_(?:str|bool|int|list|choice)\(\s*\"([A-Z0-9_]+)\"", path.read_text())
        )
    missing = sorted(used - listed)
    assert not missing, f"add to .env.example: {missing}"
