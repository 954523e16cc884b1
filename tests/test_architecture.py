"""The layout rules of docs/architecture.md: the till, the protocol and the rules never see the
server, and la gestion's parts import only the layers below them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is part of the [dev] extra"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_till_side_imports_without_django_installed_in_the_process() -> None:
    code = (
        "import sys, importlib, pkgutil, cabas.caisse, cabas.protocol, cabas.rules\n"
        "for pkg in (cabas.caisse, cabas.protocol, cabas.rules):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        if '.ui' in m.name: continue\n"
        "        importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules\n"
        "       if m == 'django' or m.startswith(('django.', 'cabas.gestion'))]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
