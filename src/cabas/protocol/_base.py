"""Shared building blocks of the wire format: versions, base models and constrained types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
)
from pydantic_core import PydanticCustomError

PROTOCOL_VERSION = 1
API_PREFIX = "/api/pos/v1/"

# Optional headers every till request may carry, shown on the server's till page.
HEADER_VERSION = "X-Cabas-Version"
HEADER_PENDING = "X-Cabas-Pending"

# Bounds that keep every amount inside a signed 32-bit column and reject absurd payloads.
MAX_CENTS = 1_000_000_000  # 10 million euros
MAX_QUANTITY = 1_000_000  # a million pieces, or a tonne in grams
MAX_UNIT_PRICE_CENTS = 10_000_000  # 100,000 euros per piece or per kilo
MAX_BASIS_POINTS = 10_000  # 100 %
# Ids the till names (products, cashiers) are kept as signed 64-bit columns: a larger one could
# not even be looked up (OverflowError), so it is refused with the ticket.
MAX_ID = 2**63 - 1

PaymentMethod = Literal["cash", "card", "cheque", "voucher", "other"]
PAYMENT_METHODS: tuple[PaymentMethod, ...] = ("cash", "card", "cheque", "voucher", "other")


class ReadModel(BaseModel):
    """What the till reads from the server: unknown fields are ignored, so that an older till
    can read the answers of a newer server."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class WriteModel(BaseModel):
    """What the server receives from a till: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _require_iso_text(value: Any) -> Any:
    # pydantic would otherwise read a bare number as a Unix timestamp in UTC, losing the
    # shop's offset that the protocol requires.
    if isinstance(value, str | datetime):
        return value
    raise PydanticCustomError(
        "iso_datetime_required",
        "Une date et heure ISO 8601 avec décalage horaire est attendue (ex. "
        "2024-05-01T10:30:00+02:00).",
    )


def _plausible_year(value: datetime) -> datetime:
    # A till whose clock says year 1 or 9999 cannot have made the sale then, and such a time
    # cannot even be converted to UTC by the server: refuse it as invalid (the ticket is kept
    # in Rejetes/ and in the server's quarantine, where a person sees it).
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError(
            "implausible_datetime",
            "Date et heure invraisemblables (année {year}) : vérifiez l'horloge de la caisse.",
            {"year": value.year},
        )
    return value


MIN_YEAR, MAX_YEAR = 2000, 2999


def _without_nul(value: str) -> str:
    # No database of the server stores a NUL in a text column (PostgreSQL refuses it): a text
    # holding one is invalid here, so it goes to the quarantine instead of failing the insert.
    # A lone surrogate (a "\\ud800" of the JSON, that no UTF-8 can encode) never gets this far:
    # pydantic refuses it as `string_unicode` in every str field.
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Le texte contient un caractère nul (\\0).")
    return value


# Marks a received string: ``Annotated[str, Field(max_length=…), NoNul]``.
NoNul = AfterValidator(_without_nul)


# An ISO 8601 date and time with its offset, as sent by a till (no Unix timestamps).
Timestamp = Annotated[
    AwareDatetime, BeforeValidator(_require_iso_text), AfterValidator(_plausible_year)
]

# Integers received from a till are strict: "12", 12.0 or true are not cents.
Cents = Annotated[StrictInt, Field(ge=-MAX_CENTS, le=MAX_CENTS)]
PositiveId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
BasisPoints = Annotated[int, Field(ge=0, le=MAX_BASIS_POINTS)]
