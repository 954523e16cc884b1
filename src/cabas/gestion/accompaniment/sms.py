"""Text messages through a pluggable provider, the way Django's e-mail backends are plugged:
`CABAS_SMS_BACKEND` names a class with `send_messages(messages) -> int`; unset, there is no
SMS at all (the shop's «rappels par SMS» then sends nothing). Two backends ship: the console
(development) and locmem (tests: `cabas.gestion.accompaniment.sms.outbox`). A real provider
(an SMS gateway's HTTP API) is one more class of this shape, configured on the server."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


class SmsBackend(Protocol):
    def send_messages(self, messages: list[TextMessage]) -> int:
        """Send the messages; return how many the provider accepted."""
        ...


class ConsoleBackend:
    """Writes each message to the standard output (development)."""

    def send_messages(self, messages: list[TextMessage]) -> int:
        for message in messages:
            sys.stdout.write(f"SMS à {message.to} : {message.body}\n")
        return len(messages)


outbox: list[TextMessage] = []
"""What the locmem backend 'sent' (tests empty it)."""


class LocmemBackend:
    """Keeps the messages in :data:`outbox` (tests)."""

    def send_messages(self, messages: list[TextMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def sms_backend() -> SmsBackend | None:
    """The configured backend, or None when the server sends no SMS."""
    path = getattr(settings, "CABAS_SMS_BACKEND", "")
    if not path:
        return None
    backend: SmsBackend = import_string(path)()
    return backend


def sms_available() -> bool:
    return bool(getattr(settings, "CABAS_SMS_BACKEND", ""))
