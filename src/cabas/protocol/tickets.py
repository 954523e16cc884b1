"""Tickets as the till sends them (`POST tickets`), their checks, batches and results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StrictInt, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from cabas.protocol._base import (
    MAX_QUANTITY,
    MAX_UNIT_PRICE_CENTS,
    Cents,
    NoNul,
    PaymentMethod,
    PositiveId,
    ReadModel,
    Timestamp,
    WriteModel,
)
from cabas.protocol.canonical import fingerprint
from cabas.protocol.errors import ErrorInfo, PayloadInvalid
from cabas.rules.money import Unit, format_euros, line_total_cents

MAX_TICKETS_PER_BATCH = 100
MAX_LINES_PER_TICKET = 200
MAX_PAYMENTS_PER_TICKET = 10

TicketStatus = Literal["created", "duplicate", "rejected"]


class TicketLine(WriteModel):
    """One line of a ticket. `quantity` is pieces, or grams when `unit` is "kg" (then
    `unit_price_cents` is per kilo); `full_price_cents` is the same line at the full price.
    `authorized_by` is the cashier id of the manager who allowed the line at the till although
    the till refused it (a product past its DLC); `dump_ticket` leaves it out when unset, so
    that a server older than the field still accepts the tickets that do not use it."""

    product_id: PositiveId | None = None
    barcode: Annotated[str, Field(min_length=1, max_length=64), NoNul] | None = None
    label: Annotated[str, Field(min_length=1, max_length=200), NoNul]
    quantity: Annotated[StrictInt, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
    unit: Unit
    unit_price_cents: Annotated[StrictInt, Field(ge=0, le=MAX_UNIT_PRICE_CENTS)]
    full_price_cents: Cents
    total_cents: Cents
    authorized_by: PositiveId | None = None

    @model_validator(mode="after")
    def _check_amounts(self) -> TicketLine:
        if self.quantity == 0:
            raise PydanticCustomError(
                "quantity_zero", "La quantité d'une ligne ne peut pas être nulle."
            )
        expected = line_total_cents(self.quantity, self.unit_price_cents, self.unit)
        if self.total_cents != expected:
            raise PydanticCustomError(
                "line_total_mismatch",
                "Le total de la ligne ({total}) ne correspond pas à la quantité × le prix "
                "unitaire ({expected}).",
                {"total": format_euros(self.total_cents), "expected": format_euros(expected)},
            )
        # The full price is at least what was paid: a sale's full price is >= its total, a
        # refund mirrors it (<= its negative total).
        if (self.quantity > 0 and self.full_price_cents < self.total_cents) or (
            self.quantity < 0 and self.full_price_cents > self.total_cents
        ):
            raise PydanticCustomError(
                "full_price_below_total",
                "Le prix plein de la ligne ({full}) est inférieur à son total ({total}).",
                {
                    "full": format_euros(self.full_price_cents),
                    "total": format_euros(self.total_cents),
                },
            )
        return self


class Payment(WriteModel):
    """One payment. For cash, `tendered_cents` is what the client handed over; the change is
    `tendered_cents - amount_cents`."""

    method: PaymentMethod
    amount_cents: Cents
    tendered_cents: Cents | None = None

    @model_validator(mode="after")
    def _check_tendered(self) -> Payment:
        if self.tendered_cents is None:
            return self
        if self.method != "cash":
            raise PydanticCustomError(
                "tendered_not_cash", "Seul un paiement en espèces peut indiquer une somme remise."
            )
        if self.tendered_cents < self.amount_cents:
            raise PydanticCustomError(
                "tendered_too_low",
                "La somme remise ({tendered}) est inférieure au montant payé ({amount}).",
                {
                    "tendered": format_euros(self.tendered_cents),
                    "amount": format_euros(self.amount_cents),
                },
            )
        return self

    @property
    def change_cents(self) -> int:
        """Change given back for this payment (0 when nothing was tendered)."""
        return 0 if self.tendered_cents is None else self.tendered_cents - self.amount_cents


class Ticket(WriteModel):
    """A sale, or a refund when `refund_of` names the original ticket. Made by the till, stored
    in `Ventes/<id>.json`, sent in `POST tickets`."""

    id: UUID
    created_at: Timestamp
    cashier_id: PositiveId | None = None
    beneficiary_code: Annotated[str, Field(min_length=1, max_length=64), NoNul] | None = None
    cash_session_id: UUID | None = None
    lines: Annotated[list[TicketLine], Field(min_length=1, max_length=MAX_LINES_PER_TICKET)]
    payments: Annotated[list[Payment], Field(max_length=MAX_PAYMENTS_PER_TICKET)] = []
    total_cents: Cents
    refund_of: UUID | None = None

    @property
    def is_refund(self) -> bool:
        return self.refund_of is not None

    @property
    def change_cents(self) -> int:
        """Change given back to the client, over all cash payments."""
        return sum(payment.change_cents for payment in self.payments)

    @model_validator(mode="after")
    def _check_ticket(self) -> Ticket:
        refund = self.refund_of is not None
        if refund and self.refund_of == self.id:
            raise PydanticCustomError(
                "refund_of_itself", "Un remboursement ne peut pas se rembourser lui-même."
            )
        for number, line in enumerate(self.lines, start=1):
            if refund and line.quantity > 0:
                raise PydanticCustomError(
                    "refund_positive_quantity",
                    "Ligne {line} : un remboursement a des quantités négatives.",
                    {"line": number},
                )
            if not refund and line.quantity < 0:
                raise PydanticCustomError(
                    "sale_negative_quantity",
                    "Ligne {line} : une vente a des quantités positives (un retour est un "
                    "remboursement qui nomme le ticket d'origine dans refund_of).",
                    {"line": number},
                )
        lines_total = sum(line.total_cents for line in self.lines)
        if self.total_cents != lines_total:
            raise PydanticCustomError(
                "lines_total_mismatch",
                "Le total du ticket ({total}) ne correspond pas à la somme des lignes "
                "({lines_total}).",
                {"total": format_euros(self.total_cents), "lines_total": format_euros(lines_total)},
            )
        for number, payment in enumerate(self.payments, start=1):
            if refund and payment.amount_cents > 0:
                raise PydanticCustomError(
                    "refund_positive_payment",
                    "Paiement {payment} : un remboursement a des paiements négatifs.",
                    {"payment": number},
                )
            if not refund and payment.amount_cents < 0:
                raise PydanticCustomError(
                    "sale_negative_payment",
                    "Paiement {payment} : une vente a des paiements positifs.",
                    {"payment": number},
                )
            if refund and payment.tendered_cents is not None:
                raise PydanticCustomError(
                    "refund_tendered",
                    "Paiement {payment} : un remboursement n'a pas de somme remise.",
                    {"payment": number},
                )
        paid = sum(payment.amount_cents for payment in self.payments)
        if paid != self.total_cents:
            raise PydanticCustomError(
                "payments_total_mismatch",
                "Les paiements ({paid}) ne correspondent pas au total du ticket ({total}).",
                {"paid": format_euros(paid), "total": format_euros(self.total_cents)},
            )
        return self


def ticket_fingerprint(ticket: Ticket) -> str:
    """SHA-256 (lower-case hex) of the ticket's canonical JSON (see `cabas.protocol.canonical`).

    Same id and same fingerprint: `duplicate`; same id, other fingerprint: `id_conflict`.
    """
    return fingerprint(ticket)


RECEIPT_NUMBER_LENGTH = 8
"""A receipt names its ticket by this many first hex digits of the id: what a person reads out
or types to find the sale again (a refund at the till, a question at the back office)."""


def receipt_number(ticket_id: UUID | str) -> str:
    """The ticket's number as printed on its receipt: the first hex digits of its id."""
    return str(ticket_id)[:RECEIPT_NUMBER_LENGTH]


def receipt_number_digits(text: str) -> str | None:
    """The hex digits typed to find a ticket (its receipt number, or any longer start of its
    id; dashes, spaces, case and a leading "Ticket" ignored), or None when they are not 4 to
    32 hex digits."""
    digits = text.strip().lower().removeprefix("ticket").replace("-", "").replace(" ", "")
    if not 4 <= len(digits) <= 32 or any(c not in "0123456789abcdef" for c in digits):
        return None
    return digits


class TicketInvalid(PayloadInvalid):
    """A ticket that does not follow the protocol: its result is `rejected` / `invalid`."""


def parse_ticket(raw: Any) -> Ticket:
    """Validate one raw ticket of a batch; raises TicketInvalid with a French message and the
    JSON-serialisable error details."""
    if not isinstance(raw, dict):
        raise TicketInvalid("Ticket invalide : un objet JSON est attendu.")
    try:
        return Ticket.model_validate(raw)
    except ValidationError as exc:
        invalid = PayloadInvalid.from_validation_error(exc, "Ticket invalide")
        raise TicketInvalid(invalid.message, invalid.details) from exc


def raw_ticket_id(raw: Any) -> str | None:
    """Best-effort id of a raw ticket, for its result: the canonical UUID when it parses, the
    string as sent (cut to 100 characters) otherwise, None when there is no string id."""
    if not isinstance(raw, dict):
        return None
    value = raw.get("id")
    if not isinstance(value, str):
        return None
    try:
        return str(UUID(value))
    except ValueError:
        return value[:100]


def dump_ticket(ticket: Ticket) -> dict[str, Any]:
    """The JSON-ready dict of a ticket, as written to `Ventes/<id>.json` and sent. Optional
    fields added to the protocol later are left out when unset (a server older than them
    refuses unknown fields)."""
    data = ticket.model_dump(mode="json")
    for line in data["lines"]:
        if line["authorized_by"] is None:
            del line["authorized_by"]
    return data


class TicketBatch(WriteModel):
    """Body of `POST tickets`. Tickets stay raw here so that the server validates each one with
    `parse_ticket` and a malformed ticket is rejected alone, not with its whole batch."""

    tickets: Annotated[list[Any], Field(min_length=1, max_length=MAX_TICKETS_PER_BATCH)]

    @classmethod
    def of(cls, tickets: Sequence[Ticket]) -> TicketBatch:
        """The batch the till sends for these tickets."""
        return cls(tickets=[dump_ticket(ticket) for ticket in tickets])


def parse_ticket_batch(raw: Any) -> TicketBatch:
    """Validate the envelope of `POST tickets`; raises PayloadInvalid (code `invalid`, or
    `too_many_tickets` above 100 tickets)."""
    if not isinstance(raw, dict):
        raise PayloadInvalid("Envoi de tickets invalide : un objet JSON est attendu.")
    tickets = raw.get("tickets")
    if isinstance(tickets, list) and len(tickets) > MAX_TICKETS_PER_BATCH:
        raise PayloadInvalid(
            f"Un envoi ne peut pas contenir plus de {MAX_TICKETS_PER_BATCH} tickets "
            f"({len(tickets)} reçus).",
            {"max": MAX_TICKETS_PER_BATCH, "received": len(tickets)},
            code="too_many_tickets",
        )
    try:
        return TicketBatch.model_validate(raw)
    except ValidationError as exc:
        raise PayloadInvalid.from_validation_error(exc, "Envoi de tickets invalide") from exc


class TicketResult(ReadModel):
    """Result of one ticket of a batch. `id` is null only when the raw ticket had no string id
    (the results are in the order of the batch, so the till can still match them)."""

    id: str | None
    status: TicketStatus
    error: ErrorInfo | None = None


class TicketBatchResult(ReadModel):
    """Answer of `POST tickets`: one result per ticket, in the order of the batch."""

    results: list[TicketResult]


class TicketLookup(ReadModel):
    """Answer of `GET tickets/{number}`: a ticket of the till's shop as the server stored it
    (found by its receipt number, whichever till of the shop made it) and the refunds of it
    the server knows, so that a till can refund a sale made on another one without giving
    back more than was sold."""

    ticket: Ticket
    refunds: list[Ticket] = []
