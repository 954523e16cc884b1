"""Enrolment codes, `POST enroll`, device tokens, revoking and the contact a till reports."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cabas.gestion.pos.models import Device, EnrollmentCode
from cabas.gestion.pos.services import (
    code_digest,
    device_revoke,
    enrollment_code_create,
    normalize_code,
    secret_hash,
)
from cabas.protocol import EnrollResponse, ErrorBody
from tests.gestion.pos.conftest import API, enroll_till

pytestmark = pytest.mark.django_db


def enroll(client: Client, code: str, name: str = "Caisse du fond") -> object:
    return client.post(
        API + "enroll",
        data=json.dumps({"code": code, "name": name}),
        content_type="application/json",
    )


def test_a_code_turns_into_a_till_of_its_shop(world, client):
    code = enrollment_code_create(store=world.store_a, actor=world.alice).code
    response = enroll(client, code)
    assert response.status_code == 201
    answer = EnrollResponse.model_validate(response.json())
    assert answer.store.slug == world.store_a.slug
    assert answer.store.timezone == "Europe/Paris"
    assert answer.package_public_key
    device = Device.objects.get(pk=answer.device_id)
    assert device.store == world.store_a
    assert device.name == "Caisse du fond"


def test_only_hashes_of_codes_and_tokens_are_stored(world, client):
    code = enrollment_code_create(store=world.store_a).code
    answer = enroll(client, code).json()
    record = EnrollmentCode.objects.get()
    assert normalize_code(code) not in record.code_hash
    # Keyed with the server's secret: the plain SHA-256 a stolen database could test is not it.
    assert record.code_hash != secret_hash(normalize_code(code))
    assert record.code_hash == code_digest(code)
    device = Device.objects.get()
    assert answer["token"] not in device.token_hash
    assert device.token_hash == secret_hash(answer["token"])


def test_a_code_stored_under_another_server_key_is_unknown(world, client, settings):
    code = enrollment_code_create(store=world.store_a).code
    settings.SECRET_KEY = "another-server-key-" + "x" * 40
    assert enroll(client, code).status_code == 400


def test_the_code_may_be_typed_in_lower_case_without_dashes(world, client):
    code = enrollment_code_create(store=world.store_a).code
    assert enroll(client, code.replace("-", " ").lower()).status_code == 201


def test_it_rejects_a_used_code(world, client):
    code = enrollment_code_create(store=world.store_a).code
    assert enroll(client, code).status_code == 201
    response = enroll(client, code, "Deuxième caisse")
    assert response.status_code == 400
    assert ErrorBody.model_validate(response.json()).error.code == "code_used"
    assert Device.objects.count() == 1


def test_it_rejects_an_expired_code(world, client):
    new = enrollment_code_create(store=world.store_a)
    EnrollmentCode.objects.filter(pk=new.record.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = enroll(client, new.code)
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "code_expired"
    assert "expiré" in body["message"]


def test_it_rejects_an_unknown_code(world, client):
    response = enroll(client, "AAAA-BBBB-CCCC")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "code_unknown"


def test_codes_are_valid_for_24_hours(world):
    record = enrollment_code_create(store=world.store_a).record
    assert (
        timedelta(hours=23, minutes=59) < record.expires_at - timezone.now() <= timedelta(hours=24)
    )


def test_the_command_prints_the_code_on_its_last_line(world, client):
    out = io.StringIO()
    call_command("create_enrollment_code", "--store", world.store_b.slug, stdout=out)
    code = out.getvalue().strip().splitlines()[-1]
    response = enroll(client, code)
    assert response.status_code == 201
    assert response.json()["store"]["slug"] == world.store_b.slug


def test_the_command_refuses_an_unknown_shop(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_enrollment_code", "--store", "nope", stdout=io.StringIO())


def test_a_revoked_token_gets_401_at_once(world):
    till = enroll_till(world.store_a)
    assert till.get("caisse/latest").status_code == 404  # authenticated: no package yet
    device_revoke(device=till.device, actor=world.alice)
    response = till.get("caisse/latest")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.json()["error"]["message"]


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer nope", "Basic YWxpY2U6eA==", "Bearer " + "x" * 500]
)
def test_a_missing_or_unknown_token_gets_401(world, client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(API + "caisse/latest", **extra)
    assert response.status_code == 401
    assert ErrorBody.model_validate(response.json()).error.code == "unauthorized"


def test_the_till_reports_its_version_and_pending_tickets(world):
    till = enroll_till(world.store_a)
    Device.objects.filter(pk=till.device.pk).update(last_seen_at=None)
    till.get("caisse/latest", HTTP_X_CABAS_VERSION="0.3.1", HTTP_X_CABAS_PENDING="7")
    device = Device.objects.get(pk=till.device.pk)
    assert device.last_version == "0.3.1"
    assert device.pending_count == 7
    assert device.last_seen_at is not None
    till.get("caisse/latest", HTTP_X_CABAS_PENDING="0")
    device.refresh_from_db()
    assert device.pending_count == 0
    assert device.last_version == "0.3.1"


def test_a_garbled_pending_header_is_ignored(world):
    till = enroll_till(world.store_a)
    response = till.get("caisse/latest", HTTP_X_CABAS_PENDING="beaucoup")
    assert response.status_code == 404
    assert Device.objects.get(pk=till.device.pk).pending_count is None
