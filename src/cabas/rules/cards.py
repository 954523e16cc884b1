"""Client-card codes as people and scanners type them: one normalisation, used by the till
(to find the household in its local data) and by the server (to store and look codes up)."""

from __future__ import annotations

_IGNORED = frozenset(" -\t.")


def normalize_card_code(raw: str) -> str:
    """What a person or a scanner typed, upper-cased, without spaces, dashes, tabs or dots:
    ``6rx5v-9p569`` (as printed, in lower case) is ``6RX5V9P569``."""
    return "".join(char for char in raw.upper() if char not in _IGNORED)
