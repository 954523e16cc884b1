"""`POST cash-sessions`: a till reports a cash session when it opens it and again when it
closes it; the rule that keeps these two reports idempotent lives here."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StrictInt, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from cabas.protocol._base import (
    MAX_CENTS,
    Cents,
    NoNul,
    PaymentMethod,
    PositiveId,
    ReadModel,
    Timestamp,
    WriteModel,
)
from cabas.protocol.canonical import canonical_value, fingerprint
from cabas.protocol.errors import ErrorInfo, PayloadInvalid
from cabas.protocol.tickets import raw_ticket_id
from cabas.rules.money import format_euros

CashSessionStatus = Literal["created", "duplicate", "updated", "rejected"]
CashSessionOutcome = Literal["created", "duplicate", "updated", "id_conflict"]

# What a session is opened with; the closing report must repeat it unchanged.
OPENING_FIELDS: tuple[str, ...] = ("id", "opened_at", "cashier_id", "opening_float_cents")


class MethodAmount(WriteModel):
    """An amount for one payment method (counted in the drawer, or expected from the tickets)."""

    method: PaymentMethod
    amount_cents: Cents


def _check_methods_unique(amounts: list[MethodAmount], field: str) -> None:
    methods = [amount.method for amount in amounts]
    if len(set(methods)) != len(methods):
        raise PydanticCustomError(
            "method_repeated",
            "Chaque moyen de paiement ne peut figurer qu'une fois dans {field}.",
            {"field": field},
        )


class CashSessionReport(WriteModel):
    """A cash session as the till reports it.

    Opened (`closed_at` null): nothing counted or expected yet, no difference, no ticket.
    Closed: `counted` is what the cashier counted per method, `expected` what the tickets and
    the opening float say (cash: float + cash payments), `difference_cents` is
    sum(counted) - sum(expected), `ticket_count` the tickets of the session.
    """

    id: UUID
    opened_at: Timestamp
    closed_at: Timestamp | None = None
    cashier_id: PositiveId | None = None
    closing_cashier_id: PositiveId | None = None
    opening_float_cents: Annotated[StrictInt, Field(ge=0, le=MAX_CENTS)]
    counted: list[MethodAmount] = []
    expected: list[MethodAmount] = []
    difference_cents: Cents = 0
    ticket_count: Annotated[StrictInt, Field(ge=0, le=MAX_CENTS)] = 0
    note: Annotated[str, Field(max_length=2000), NoNul] = ""

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @model_validator(mode="after")
    def _check_report(self) -> CashSessionReport:
        _check_methods_unique(self.counted, "counted")
        _check_methods_unique(self.expected, "expected")
        if any(amount.amount_cents < 0 for amount in self.counted):
            raise PydanticCustomError(
                "counted_negative", "Un montant compté ne peut pas être négatif."
            )
        if self.closed_at is None:
            if (
                self.counted
                or self.expected
                or self.difference_cents
                or self.ticket_count
                or self.closing_cashier_id is not None
            ):
                raise PydanticCustomError(
                    "open_session_with_closing_data",
                    "Une session ouverte (closed_at vide) n'a encore ni comptage, ni montants "
                    "attendus, ni écart, ni ticket, ni caissier de clôture.",
                )
            return self
        if self.closed_at < self.opened_at:
            raise PydanticCustomError(
                "closed_before_opened",
                "La session ne peut pas être close avant d'avoir été ouverte.",
            )
        difference = sum(a.amount_cents for a in self.counted) - sum(
            a.amount_cents for a in self.expected
        )
        if self.difference_cents != difference:
            raise PydanticCustomError(
                "difference_mismatch",
                "L'écart indiqué ({difference}) ne correspond pas au compté moins l'attendu "
                "({computed}).",
                {
                    "difference": format_euros(self.difference_cents),
                    "computed": format_euros(difference),
                },
            )
        return self


def cash_session_fingerprint(report: CashSessionReport) -> str:
    """SHA-256 (lower-case hex) of the report's canonical JSON, as for tickets."""
    return fingerprint(report)


def _opening(report: CashSessionReport) -> dict[str, Any]:
    data = report.model_dump(mode="python", include=set(OPENING_FIELDS))
    return {key: canonical_value(value) for key, value in data.items()}


def cash_session_outcome(
    stored: CashSessionReport | None, received: CashSessionReport
) -> CashSessionOutcome:
    """What the server does with a received report, given the one it stored for that id.

    - nothing stored: `created`;
    - same content: `duplicate`;
    - stored open, received closed with the same opening: `updated` (the only transition);
    - stored closed, received open with the same opening: `duplicate` (a late resend of the
      opening report; the closed session stays as it is);
    - anything else (another opening, two different open or closed reports): `id_conflict`.
    """
    if stored is None:
        return "created"
    if stored.id != received.id:
        raise ValueError("reports of two different sessions")
    if cash_session_fingerprint(stored) == cash_session_fingerprint(received):
        return "duplicate"
    if _opening(stored) != _opening(received):
        return "id_conflict"
    if not stored.is_closed and received.is_closed:
        return "updated"
    if stored.is_closed and not received.is_closed:
        return "duplicate"
    return "id_conflict"


class CashSessionInvalid(PayloadInvalid):
    """A cash session report that does not follow the protocol: `rejected` / `invalid`."""


def parse_cash_session(raw: Any) -> CashSessionReport:
    """Validate the body of `POST cash-sessions`; raises CashSessionInvalid (French message and
    JSON-serialisable details)."""
    if not isinstance(raw, dict):
        raise CashSessionInvalid("Session de caisse invalide : un objet JSON est attendu.")
    try:
        return CashSessionReport.model_validate(raw)
    except ValidationError as exc:
        invalid = PayloadInvalid.from_validation_error(exc, "Session de caisse invalide")
        raise CashSessionInvalid(invalid.message, invalid.details) from exc


class CashSessionResult(ReadModel):
    """Answer of `POST cash-sessions`. `id` is null only when the raw report had no string id."""

    id: str | None
    status: CashSessionStatus
    error: ErrorInfo | None = None


def raw_cash_session_id(raw: Any) -> str | None:
    """Best-effort id of a raw report, for its result (same rule as `raw_ticket_id`)."""
    return raw_ticket_id(raw)
