"""The quarantine is bounded (issue 15, item 8): a bounded copy of each refused body with the
SHA-256 and size of the whole, a per-till quota, a retention, and a per-till rate limit on
invalid bodies answering 429 `rate_limited` with Retry-After."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cabas.gestion.sales.models import QuarantinedPayload, Ticket
from cabas.gestion.sales.services import quarantine_payload, quarantine_purge
from tests.gestion.sales.conftest import ticket

pytestmark = pytest.mark.django_db


def _big_invalid_body(size: int) -> bytes:
    head = b'{"tickets": "'
    return head + "é".encode() * ((size - len(head)) // 2) + b'"}'


def test_a_5_mb_invalid_body_keeps_a_bounded_copy_its_hash_and_size(till_a, settings):
    settings.CABAS_QUARANTINE_KEEP_BYTES = 64 * 1024
    body = _big_invalid_body(5 * 1024 * 1024 - 100)
    response = till_a.post("tickets", body)
    assert response.status_code == 400, response.content
    kept = QuarantinedPayload.objects.get()
    assert kept.truncated
    assert len(kept.raw.encode("utf-8")) <= 64 * 1024
    assert body.decode().startswith(kept.raw)  # cut on a character, never inside one
    assert kept.body_size == len(body)
    assert kept.body_sha256 == hashlib.sha256(body).hexdigest()


def test_a_small_refused_body_is_kept_whole(till_a):
    body = json.dumps({"tickets": "pas une liste"})
    assert till_a.post("tickets", body).status_code == 400
    kept = QuarantinedPayload.objects.get()
    assert not kept.truncated
    assert json.loads(kept.raw) == {"tickets": "pas une liste"}
    assert kept.body_size == len(body.encode())
    assert kept.body_sha256 == hashlib.sha256(body.encode()).hexdigest()


def test_the_manager_sees_the_bounded_copy_and_that_it_was_cut(till_a, alice_client, settings):
    settings.CABAS_QUARANTINE_KEEP_BYTES = 100
    body = _big_invalid_body(10_000)
    assert till_a.post("tickets", body).status_code == 400
    kept = QuarantinedPayload.objects.get()
    page = alice_client.get(reverse("sales:quarantine_detail", args=[kept.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "tronqué" in text and f"{len(body)} octets" in text
    assert kept.body_sha256 in text
    assert "ééééé" in text and text.count("é") < 200  # the copy, not the whole


def test_the_quota_keeps_at_most_n_rows_per_till_the_newest(till_a, till_b, settings):
    settings.CABAS_QUARANTINE_PER_DEVICE = 3
    settings.CABAS_QUARANTINE_RATE_PER_MINUTE = 1000
    for number in range(5):
        assert till_a.post("tickets", json.dumps({"tickets": number})).status_code == 400
    assert till_b.post("tickets", json.dumps({"tickets": "b"})).status_code == 400
    rows = QuarantinedPayload.objects.filter(device=till_a.device)
    assert sorted(json.loads(row.raw)["tickets"] for row in rows) == [2, 3, 4]
    assert QuarantinedPayload.objects.filter(device=till_b.device).count() == 1


def test_the_quota_holds_for_the_tickets_refused_in_a_batch(shop_a, till_a, settings):
    settings.CABAS_QUARANTINE_PER_DEVICE = 2
    bad = [ticket(shop_a, [(shop_a.pasta, 1)], cashier_id=2**63) for _ in range(4)]
    response = till_a.post("tickets", {"tickets": bad})
    assert response.status_code == 200
    assert QuarantinedPayload.objects.filter(device=till_a.device).count() == 2


def test_the_purge_erases_the_rows_past_the_retention_only(till_a, settings):
    settings.CABAS_QUARANTINE_RETENTION_DAYS = 90
    rows = [
        quarantine_payload(
            device=till_a.device, kind="batch", raw=f"{n}", reason="invalid", message="x"
        )
        for n in range(4)
    ]
    now = timezone.now()
    ages = [timedelta(days=91), timedelta(days=200), timedelta(days=89), timedelta(0)]
    for row, age in zip(rows, ages, strict=True):
        QuarantinedPayload.objects.filter(pk=row.pk).update(received_at=now - age)
    QuarantinedPayload.objects.filter(pk=rows[2].pk).update(reviewed_at=now)  # seen or not
    assert quarantine_purge(dry_run=True) == 2
    assert QuarantinedPayload.objects.count() == 4
    call_command("purge_quarantine")
    assert set(QuarantinedPayload.objects.values_list("pk", flat=True)) == {
        rows[2].pk,
        rows[3].pk,
    }


def test_past_the_rate_limit_invalid_bodies_are_refused_and_not_kept(
    shop_b, till_a, till_b, settings
):
    settings.CABAS_QUARANTINE_RATE_PER_MINUTE = 3
    assert till_a.post("tickets", "{not json").status_code == 400
    for _ in range(2):
        assert till_a.post("tickets", {"tickets": "x"}).status_code == 400
    response = till_a.post("tickets", {"tickets": "x"})
    assert response.status_code == 429, response.content
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert till_a.post("tickets", "{not json").status_code == 429
    assert QuarantinedPayload.objects.filter(device=till_a.device).count() == 3
    # Another till's good tickets, and its own invalid bodies, are not held back.
    for _ in range(5):
        good = ticket(shop_b, [(shop_b.pasta, 1)])
        answer = till_b.post("tickets", {"tickets": [good]})
        assert answer.status_code == 200
        assert answer.json()["results"][0]["status"] == "created"
    assert Ticket.objects.filter(device=till_b.device).count() == 5
    assert till_b.post("tickets", "{not json").status_code == 400


def test_valid_tickets_of_a_rate_limited_till_are_still_taken(shop_a, till_a, settings):
    settings.CABAS_QUARANTINE_RATE_PER_MINUTE = 1
    till_a.post("tickets", "{not json")
    assert till_a.post("tickets", "{not json").status_code == 429
    good = ticket(shop_a, [(shop_a.pasta, 1)])
    answer = till_a.post("tickets", {"tickets": [good]})
    assert answer.status_code == 200
    assert answer.json()["results"][0]["status"] == "created"


def test_the_list_tells_the_manager_the_bounds(alice_client, settings):
    settings.CABAS_QUARANTINE_PER_DEVICE = 123
    settings.CABAS_QUARANTINE_RETENTION_DAYS = 45
    text = alice_client.get(reverse("sales:quarantine_list")).content.decode()
    assert "123 envois au plus par caisse" in text and "45 jours" in text


def test_the_migration_bounds_the_rows_kept_whole_before(till_a, settings):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("cabas.gestion.sales.migrations.0010_quarantine_bounded")
    settings.CABAS_QUARANTINE_KEEP_BYTES = 10
    whole = "é" * 100
    old = QuarantinedPayload.objects.create(
        store_id=till_a.device.store_id,
        device=till_a.device,
        kind="batch",
        reason="invalid",
        message="x",
        raw=whole,
    )
    small = QuarantinedPayload.objects.create(
        store_id=till_a.device.store_id,
        device=till_a.device,
        kind="batch",
        reason="invalid",
        message="x",
        raw="{}",
    )
    migration._bound_existing(apps, None)
    old.refresh_from_db()
    small.refresh_from_db()
    assert old.truncated and old.raw == "é" * 5
    assert old.body_size == 200
    assert old.body_sha256 == hashlib.sha256(whole.encode()).hexdigest()
    assert not small.truncated and small.raw == "{}" and small.body_size == 2
