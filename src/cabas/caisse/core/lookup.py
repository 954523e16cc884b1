"""Asking the server for a ticket of the shop made on another till (`GET tickets/{number}`),
to refund it here, through the transport's ``lookup_ticket``."""

from __future__ import annotations

from typing import Any

from cabas.caisse.core.transport import ServerRefused, TransportError
from cabas.protocol import TicketLookup, receipt_number_digits


class LookupFailed(Exception):  # noqa: N818 - what the cashier is told
    """The server could not be asked (offline, refused): the message says why, in French."""


def lookup_ticket(transport: Any, reference: str) -> TicketLookup | None:
    """The ticket of this shop with this receipt number, with its refunds, or None when the
    server has none. Raises LookupFailed when the server cannot answer."""
    digits = receipt_number_digits(reference)
    if digits is None:
        return None
    method = getattr(transport, "lookup_ticket", None)
    if method is None:
        return None
    try:
        found: TicketLookup | None = method(digits)
        return found
    except ServerRefused as exc:
        if exc.status == 404:
            return None
        raise LookupFailed(exc.message) from exc
    except TransportError as exc:
        raise LookupFailed(str(exc)) from exc
