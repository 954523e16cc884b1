"""``python -m cabas.caisse`` (and the entry point of the till's zipapp)."""

from __future__ import annotations

import sys

from cabas.caisse.cli import main

sys.exit(main())
