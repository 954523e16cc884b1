"""Per-address limits on signing in, password resets and till enrolment: whatever the username or
the code tried, one address cannot knock without end; another address is not slowed."""

from __future__ import annotations

import json

from django.core import mail
from django.urls import reverse

from cabas.gestion.pos.services import enrollment_code_create
from tests.conftest import PASSWORD


def test_many_sign_ins_from_one_address_are_slowed_whatever_the_usernames(
    client, world, settings
) -> None:
    settings.CABAS_THROTTLE_LOGINS_PER_IP = 3
    for n in range(3):
        client.post(
            reverse("accounts:login"),
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR="203.0.113.5",
        )
    stopped = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.5",
    )
    assert stopped.status_code == 429
    assert int(stopped["Retry-After"]) > 0
    assert "Trop de demandes" in stopped.content.decode()
    elsewhere = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert elsewhere.status_code == 302


def test_password_reset_requests_from_one_address_are_limited(client, world, settings) -> None:
    settings.CABAS_THROTTLE_PASSWORD_RESETS_PER_IP = 2
    for _ in range(2):
        client.post(
            reverse("accounts:password_reset"), {"email": "bob@example.org"}, REMOTE_ADDR="10.9.9.9"
        )
    stopped = client.post(
        reverse("accounts:password_reset"), {"email": "bob@example.org"}, REMOTE_ADDR="10.9.9.9"
    )
    assert stopped.status_code == 429
    assert len(mail.outbox) == 2


def test_enrolment_attempts_from_one_address_are_limited(client, world, settings) -> None:
    settings.CABAS_THROTTLE_ENROLLMENTS_PER_IP = 3
    url = "/api/pos/v1/enroll"
    for n in range(3):
        wrong = client.post(
            url,
            data=json.dumps({"code": f"WRONG-{n:04d}", "name": "Caisse"}),
            content_type="application/json",
            REMOTE_ADDR="203.0.113.8",
        )
        assert wrong.status_code == 400
    code = enrollment_code_create(store=world.store_a).code
    stopped = client.post(
        url,
        data=json.dumps({"code": code, "name": "Caisse"}),
        content_type="application/json",
        REMOTE_ADDR="203.0.113.8",
    )
    assert stopped.status_code == 429
    assert stopped.json()["error"]["code"] == "rate_limited"
    assert int(stopped["Retry-After"]) > 0
    # The code was not spent by the refused call: the till at the shop still joins.
    joined = client.post(
        url,
        data=json.dumps({"code": code, "name": "Caisse"}),
        content_type="application/json",
        REMOTE_ADDR="198.51.100.1",
    )
    assert joined.status_code == 201
