"""Which keys typed during a yes/no question answer it, and which a scanner typed (kept, to be
scanned once the question is answered).

A USB scanner types a code then Entrée, 10 to 30 ms per key; a card code may hold an O or an
N (`6RX5V-9P569`, `N4K2…`). So Entrée never answers, and O / N answer only when typed alone:
neither the key before nor the key after it came within ``SCANNER_GAP_MS``. The window asks
``settle()`` once ``ANSWER_QUIET_MS`` have passed after an answer key with no other key.
"""

from __future__ import annotations

SCANNER_GAP_MS = 50
"""Keys closer than this are a scanner's (a person types a key every 100 ms or more)."""
ANSWER_QUIET_MS = 80
"""How long an answer key must be followed by silence before it counts."""
ANSWERS = {"o": True, "n": False}
ENTER = "\n"


class QuestionKeys:
    """The keys typed during one question, by time (milliseconds, any steady clock)."""

    def __init__(self, gap_ms: float = SCANNER_GAP_MS) -> None:
        self.gap_ms = gap_ms
        self.held: list[str] = []
        self.count = 0
        """Keys typed so far (the window checks that none came while it waited)."""
        self._last: float | None = None
        self._pending: tuple[str, float] | None = None

    def key(self, char: str, at_ms: float) -> None:
        """A printable key (``ENTER`` for Entrée) typed at ``at_ms``."""
        self.count += 1
        burst = self._last is not None and abs(at_ms - self._last) < self.gap_ms
        self._last = at_ms
        pending, self._pending = self._pending, None
        if pending is not None and burst:
            # The answer key was the first of a scan: it belongs to the code.
            self.held.append(pending[0])
        if char.lower() in ANSWERS and not burst:
            self._pending = (char, at_ms)
        elif char:
            self.held.append(char)

    def settle(self) -> bool | None:
        """The answer, when an answer key was typed alone and no key came after it."""
        if self._pending is None:
            return None
        return ANSWERS[self._pending[0].lower()]

    def held_text(self) -> str:
        """What a scanner typed during the question (codes ended by ``ENTER``); a lone Entrée
        a person pressed is dropped."""
        text = "".join(self.held)
        return "" if text.strip(ENTER) == "" else text

    def held_codes(self) -> tuple[list[str], str]:
        """The complete codes typed (each ended by Entrée), and the start of one not ended."""
        *codes, rest = self.held_text().split(ENTER)
        return [code for code in codes if code.strip()], rest


def scanned_tail(stamps: list[float], enter_at: float, gap_ms: float = SCANNER_GAP_MS) -> int:
    """How many of the last characters typed into a field (their times in ``stamps``, then
    Entrée at ``enter_at``) a scanner typed: the run of keys each within ``gap_ms`` of the
    next, Entrée included; 0 when a person typed them (a run shorter than 4 keys is a person's
    quick fingers, and no barcode is that short)."""
    if not stamps or abs(enter_at - stamps[-1]) >= gap_ms:
        return 0
    run = 1
    while run < len(stamps) and abs(stamps[-run] - stamps[-run - 1]) < gap_ms:
        run += 1
    return run if run >= 4 else 0
