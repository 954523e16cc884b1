"""Demo data of the catalogue (filled in below)."""

from __future__ import annotations
