"""Demo data of purchasing (filled in below)."""

from __future__ import annotations
