"""``python -m cabas.caisse``: the same as the ``cabas-caisse`` command."""

from __future__ import annotations

import sys

from cabas.caisse.cli import main

if __name__ == "__main__":
    sys.exit(main())
