"""Client-card codes: random, not guessable from one another, checked by a final character.

A code is 9 random characters and 1 check character from an alphabet without the characters
people confuse (0/O, 1/I/L) and without the letters a scanner set for the wrong keyboard layout
swaps (A/Q, Z/W, M), nor vowels (so no word is ever spelt). 23 symbols: 23**9 ≈ 1.8·10¹², so
guessing one of a shop's cards by chance is hopeless, and the check character catches a typo
or a swap of two neighbours when a cashier types a code by hand. Pure Python, no Django.
"""

from __future__ import annotations

import secrets

from cabas.rules.cards import normalize_card_code

ALPHABET = "23456789BCDFGHJKNPRSTVX"
RANDOM_LENGTH = 9
CODE_LENGTH = RANDOM_LENGTH + 1
_INDEX = {char: index for index, char in enumerate(ALPHABET)}


def check_character(body: str) -> str:
    """The check character of ``body``: the position-weighted sum modulo 23, the size of the
    alphabet and a prime, so every single substitution and every swap of two adjacent characters
    changes it."""
    total = sum((position + 1) * _INDEX[char] for position, char in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def normalize(raw: str) -> str:
    """What a person or a scanner typed, upper-cased, without spaces or dashes (the rule the
    till applies too: :func:`cabas.rules.cards.normalize_card_code`)."""
    return normalize_card_code(raw)


def is_valid(code: str) -> bool:
    """True if ``code`` (normalised) has the shape of a card code and its check character fits."""
    if len(code) != CODE_LENGTH or any(char not in _INDEX for char in code):
        return False
    return check_character(code[:-1]) == code[-1]


def generate() -> str:
    """A new random code. It always holds a letter, so it never looks like a product's EAN."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
        if not body.isdigit():
            return body + check_character(body)


def display(code: str) -> str:
    """For people: ``BCD2F-GH3JK`` (two groups of five)."""
    return f"{code[:5]}-{code[5:]}" if len(code) == CODE_LENGTH else code
