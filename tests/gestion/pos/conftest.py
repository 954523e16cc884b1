"""Tills of the test world: an enrolled till in shop A and one in shop B, and a client that
speaks the protocol with a device token."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from cabas.gestion.pos.models import Device
from cabas.gestion.pos.services import device_enroll, enrollment_code_create
from cabas.gestion.stores.models import Store

API = "/api/pos/v1/"


@dataclass
class Till:
    device: Device
    token: str
    client: Client

    def headers(self, **extra: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get(API + path, **self.headers(**extra))

    def post(self, path: str, body: Any, **extra: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(
            API + path, data=data, content_type="application/json", **self.headers(**extra)
        )


def enroll_till(store: Store, name: str = "Caisse 1") -> Till:
    code = enrollment_code_create(store=store).code
    enrolled = device_enroll(code=code, name=name)
    return Till(device=enrolled.device, token=enrolled.token, client=Client())


@pytest.fixture
def till_a(world):  # type: ignore[no-untyped-def]
    return enroll_till(world.store_a, "Caisse A")


@pytest.fixture
def till_b(world):  # type: ignore[no-untyped-def]
    return enroll_till(world.store_b, "Caisse B")


@pytest.fixture(autouse=True)
def _no_quarantine_rate_limit(settings):  # type: ignore[no-untyped-def]
    # The fuzzers send hundreds of invalid bodies from one till; the per-till limit itself is
    # tested in tests/gestion/sales/test_quarantine_bounds.py.
    settings.CABAS_QUARANTINE_RATE_PER_MINUTE = 1_000_000


@pytest.fixture(autouse=True)
def _empty_snapshot_cache():  # type: ignore[no-untyped-def]
    """Each test starts with no cached snapshot answer (the cache lives in the process)."""
    from django.core.cache import caches

    caches["snapshots"].clear()
    yield
    caches["snapshots"].clear()
