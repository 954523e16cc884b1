"""Asking the server for a ticket of the shop made on another till (`GET tickets/{number}`),
to refund it here.

The HTTP transport has no method for this call yet (`transport.py` belongs to another piece
of work): a transport that has ``lookup_ticket`` is used as it is (the fake server of the
tests, the HTTP transport once it has it), and ``HttpTransport`` is called through its
generic request otherwise.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from cabas.caisse.core.transport import HttpTransport, ServerRefused, TransportError
from cabas.protocol import TicketLookup, receipt_number_digits


class LookupFailed(Exception):  # noqa: N818 - what the cashier is told
    """The server could not be asked (offline, refused): the message says why, in French."""


def lookup_ticket(transport: Any, reference: str) -> TicketLookup | None:
    """The ticket of this shop with this receipt number, with its refunds, or None when the
    server has none. Raises LookupFailed when the server cannot answer."""
    digits = receipt_number_digits(reference)
    if digits is None:
        return None
    try:
        method = getattr(transport, "lookup_ticket", None)
        if method is not None:
            found: TicketLookup | None = method(digits)
            return found
        if not isinstance(transport, HttpTransport):
            return None
        _, payload = transport._request("GET", "tickets/" + urllib.parse.quote(digits))
        model: TicketLookup = transport._model(TicketLookup, payload)
        return model
    except ServerRefused as exc:
        if exc.status == 404:
            return None
        raise LookupFailed(exc.message) from exc
    except TransportError as exc:
        raise LookupFailed(str(exc)) from exc
