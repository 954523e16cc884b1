"""Till authentication: `Authorization: Bearer <device token>`."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from cabas.gestion.pos.models import Device
from cabas.gestion.pos.services import device_for_token, device_record_contact
from cabas.protocol import HEADER_PENDING, HEADER_VERSION

MAX_PENDING = 10_000_000


def _pending(value: str | None) -> int | None:
    if value is None or not value.strip().isdecimal() or len(value.strip()) > 18:
        return None
    return min(int(value.strip()), MAX_PENDING)


class DeviceBearer(HttpBearer):
    """Finds the active till of a bearer token and records its contact (version and count of
    tickets waiting on it, from the X-Cabas-Version / X-Cabas-Pending headers)."""

    def authenticate(self, request: HttpRequest, token: str) -> Device | None:
        device = device_for_token(token.strip())
        if device is None:
            return None
        device_record_contact(
            device=device,
            version=request.headers.get(HEADER_VERSION),
            pending=_pending(request.headers.get(HEADER_PENDING)),
        )
        return device


def request_device(request: HttpRequest) -> Device:
    """The till of an authenticated API request."""
    device = request.auth  # type: ignore[attr-defined]
    assert isinstance(device, Device)
    return device
