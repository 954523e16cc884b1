"""The shop's till settings the tills learn from the snapshot: whether a cash session is
required to sell."""

from __future__ import annotations

import pytest

from cabas.gestion.stores.services import store_update_settings
from cabas.protocol import Snapshot

pytestmark = pytest.mark.django_db


def store_info(till):
    response = till.get("snapshot")
    assert response.status_code == 200, response.content
    return Snapshot.model_validate(response.json()).store


def test_a_shop_requires_a_cash_session_by_default(world, till_a):
    assert world.store_a.cash_session_required is True
    assert store_info(till_a).cash_session_required is True


def test_turning_sessions_off_reaches_the_tills_at_once(world, till_a, till_b):
    assert store_info(till_a).cash_session_required is True  # cached now
    store_update_settings(
        store=world.store_a, actor=world.alice, data={"cash_session_required": False}
    )
    assert store_info(till_a).cash_session_required is False
    assert store_info(till_b).cash_session_required is True  # charlie's shop keeps its own


def test_the_manager_turns_it_off_on_the_settings_page(world, alice_client):
    from django.urls import reverse

    page = alice_client.get(reverse("stores:settings"))
    assert "ession de caisse obligatoire" in page.content.decode()
    alice_client.post(
        reverse("stores:settings"),
        {"name": world.store_a.name, "timezone": world.store_a.timezone},
    )
    world.store_a.refresh_from_db()
    assert world.store_a.cash_session_required is False
