"""Demo stock: lots with dates and some weeks of movements."""

from __future__ import annotations
