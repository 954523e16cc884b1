"""Anomalies handled several at a time with one reason: the ticked ones or every one of a kind,
each kept with the reason and journaled, nothing of another shop reachable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.sales.models import Anomaly
from tests.gestion.sales.matrix import _ticket_of_shop_a

BUDGET = Anomaly.Kind.BUDGET_EXCEEDED
DLC = Anomaly.Kind.DLC_PASSED


@pytest.fixture
def anomalies(world) -> dict[str, list[Anomaly]]:
    ticket_id = _ticket_of_shop_a(world)
    Anomaly.objects.filter(ticket_id=ticket_id).delete()  # the unknown line: not needed here

    def make(store, kind, n):
        return [
            Anomaly.objects.create(
                store=store, ticket_id=ticket_id, kind=kind, message=f"{kind} {i}"
            )
            for i in range(n)
        ]

    return {
        "budget": make(world.store_a, BUDGET, 5),
        "dlc": make(world.store_a, DLC, 2),
        "of_b": make(world.store_b, BUDGET, 1),
    }


def _handle(client, **data):
    return client.post(reverse("sales:anomalies_handle"), data, follow=True)


def _pending(kind: str) -> int:
    return Anomaly.objects.filter(kind=kind, handled_at__isnull=True).count()


def test_every_anomaly_of_a_kind_with_one_reason(world, alice_client, anomalies) -> None:
    page = alice_client.get(reverse("sales:anomaly_list")).content.decode()
    assert "budget dépassé (5)" in page and "DLC dépassée (2)" in page
    done = _handle(alice_client, kind=BUDGET, every_of_kind="1", note="Aide exceptionnelle CCAS")
    assert "5 anomalies marquées comme traitées." in done.content.decode()
    handled = Anomaly.objects.filter(store=world.store_a, kind=BUDGET)
    assert {a.handled_note for a in handled} == {"Aide exceptionnelle CCAS"}
    assert {a.handled_by for a in handled} == {world.alice}
    assert _pending(DLC) == 2
    assert Anomaly.objects.get(store=world.store_b).handled_at is None
    events = AuditEvent.objects.filter(action="sales.anomaly_handled", store=world.store_a)
    assert events.count() == 5
    assert {e.reason for e in events} == {"Aide exceptionnelle CCAS"}


def test_only_the_ticked_ones(alice_client, anomalies) -> None:
    ticked = [a.pk for a in anomalies["budget"][:2]] + [anomalies["dlc"][0].pk]
    _handle(alice_client, anomaly=ticked, note="vu")
    assert _pending(BUDGET) == 3 + 1  # three of A, the one of B
    assert _pending(DLC) == 1


def test_without_a_reason_nothing_is_handled(alice_client, anomalies) -> None:
    done = _handle(alice_client, anomaly=[anomalies["budget"][0].pk], note="  ")
    assert (
        "errorlist" in done.content.decode() or "Ce champ est obligatoire" in done.content.decode()
    )
    assert _pending(BUDGET) == 6


def test_nothing_ticked_gets_a_french_message(alice_client, anomalies) -> None:
    done = _handle(alice_client, note="vu")
    assert "Cochez au moins une anomalie." in done.content.decode()


@pytest.mark.parametrize("bad", ["of_b", "huge", "text"])
def test_anomalies_of_another_shop_or_nonsense_are_refused(
    world, alice_client, anomalies, bad
) -> None:
    value = {"of_b": anomalies["of_b"][0].pk, "huge": 2**63, "text": "\u00e9\u00e9"}[bad]
    done = _handle(alice_client, anomaly=[value, anomalies["budget"][0].pk], note="vu")
    assert done.status_code == 200
    assert _pending(BUDGET) == 6  # the whole request is refused, nothing half-done
    assert Anomaly.objects.get(store=world.store_b).handled_at is None


def test_charlie_handles_nothing_of_shop_a(world, client, anomalies) -> None:
    client.force_login(world.charlie)
    _handle(client, kind=BUDGET, every_of_kind="1", note="vu")
    assert _pending(BUDGET) == 5  # his own one, nothing of A
    assert Anomaly.objects.get(store=world.store_b).handled_at is not None


def test_handling_twice_changes_nothing(world, alice_client, anomalies) -> None:
    _handle(alice_client, kind=BUDGET, every_of_kind="1", note="vu")
    again = _handle(alice_client, anomaly=[anomalies["budget"][0].pk], note="encore")
    assert again.status_code == 200
    assert Anomaly.objects.get(pk=anomalies["budget"][0].pk).handled_note == "vu"
    assert AuditEvent.objects.filter(action="sales.anomaly_handled").count() == 5
