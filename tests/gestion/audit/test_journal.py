"""The journal reads as French sentences with the fields' names and the values as the pages show
them, every action code has its sentence, and the filters narrow it (within the shop only)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

import cabas
from cabas.gestion.audit.describe import ACTIONS, describe
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import product_create, product_update
from tests.gestion.catalog.matrix import _rayon

SRC = Path(cabas.__file__).parent
ACTION_CODE = re.compile(
    r"""(?:action=|audit_action:\s*ClassVar\[str\]\s*=\s*|else\s+|"\s+if\s)"""
    r"""\s*"([a-z]+\.[a-z_]+)\""""
)


def _codes_recorded_in_the_source() -> set[str]:
    codes: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        codes |= set(ACTION_CODE.findall(text))
        # `action="x" if condition else "y"`: both branches.
        codes |= set(re.findall(r'action="[a-z._]+"\s+if\s+\w+\s+else\s+"([a-z]+\.[a-z_]+)"', text))
    return codes


def test_every_action_the_project_records_has_a_french_sentence() -> None:
    codes = _codes_recorded_in_the_source()
    assert {"catalog.product_price_changed", "pos.pin_cleared", "quota.changed"} <= codes
    missing = sorted(code for code in codes if code not in ACTIONS)
    assert not missing, missing


def _event(world, **fields) -> AuditEvent:
    return AuditEvent.objects.create(store=world.store_a, actor=world.alice, **fields)


def _journal(client, **query) -> str:
    response = client.get(reverse("stores:audit_log"), query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def rice(world) -> Product:
    return product_create(
        store=world.store_a, actor=world.alice, name="Riz", category=_rayon(world), price_cents=120
    )


def test_a_price_change_reads_as_a_sentence_in_euros(world, alice_client, rice) -> None:
    product_update(product=rice, actor=world.alice, data={"price_cents": 150})
    page = _journal(alice_client)
    assert "Alice a changé le prix du produit « Riz »" in page
    assert "1,20 € → 1,50 €" in page
    assert "price_cents" not in page and "catalog.product_price_changed" not in page


def test_codes_and_english_names_stay_out_of_the_page(world, alice_client) -> None:
    _event(
        world,
        action="catalog.settings_changed",
        target_type="catalog.catalogsettings",
        target_id="1",
        target_repr="Catalogue settings of store 1",
        changes={"max_entry_pieces": [None, 500]},
    )
    _event(
        world,
        action="accounts.otp_enabled",
        target_type="accounts.user",
        target_id=str(world.alice.pk),
        target_repr="Alice",
    )
    _event(
        world,
        action="catalog.category_rate_changed",
        target_type="catalog.category",
        target_id="9",
        target_repr="Épicerie",
        changes={"rate_bp": [3000, 2500]},
    )
    page = _journal(alice_client)
    page = page[page.index("<table") :]  # the filters' choices hold the object codes
    assert "Alice a modifié les réglages du catalogue" in page
    assert "Catalogue settings" not in page
    assert "Alice a activé sa double authentification" in page
    assert "30 % → 25 %" in page
    for code in ("accounts.otp_enabled", "rate_bp", "max_entry_pieces", "catalog."):
        assert code not in page, code


def test_a_donation_with_values_alone_is_not_read_letter_by_letter(world, alice_client) -> None:
    _event(
        world,
        action="purchasing.donation_receive",
        target_type="purchasing.delivery",
        target_id="4",
        target_repr="Don 4 (2)",
        changes={"lines": 3, "origin": "programme", "programme": "FSE+"},
    )
    entry = describe(AuditEvent.objects.get(action="purchasing.donation_receive"))
    shown = {change.label.casefold(): (change.before, change.after) for change in entry.changes}
    assert shown["programme"] == (None, "FSE+")
    assert shown["lignes"] == (None, "3")
    assert "p → r" not in _journal(alice_client)


def test_personal_fields_are_named_as_hidden(world, alice_client) -> None:
    _event(
        world,
        action="household.updated",
        target_type="beneficiaries.household",
        target_id="1",
        target_repr="Foyer 1",
        changes={"last_name": ["…", "…"], "adults": [1, 2]},
    )
    page = _journal(alice_client)
    assert "(donnée personnelle)" in page
    assert "1 → 2" in page


def test_an_unknown_code_still_reads_as_french(world) -> None:
    event = _event(world, action="later.thing", target_type="x.y", target_repr="")
    assert describe(event).sentence == "Alice a fait une action « later.thing »"


class TestFilters:
    @pytest.fixture(autouse=True)
    def entries(self, world) -> None:
        _event(
            world,
            action="catalog.product_created",
            target_type="catalog.product",
            target_repr="Pâtes",
        )
        AuditEvent.objects.create(
            store=world.store_a,
            actor=world.bob,
            action="pos.pin_set",
            target_type="stores.membership",
            target_repr="Bob",
        )
        old = _event(
            world,
            action="stock.count_started",
            target_type="stock.inventorycount",
            target_repr="Inventaire de mars",
        )
        AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
        AuditEvent.objects.create(
            store=world.store_b,
            actor=world.charlie,
            action="catalog.product_created",
            target_type="catalog.product",
            target_repr="Secret de B",
        )

    def test_by_person(self, world, alice_client) -> None:
        page = _journal(alice_client, person=world.bob.pk)
        assert "Bob a choisi le code PIN" in page and "Pâtes" not in page

    def test_by_kind(self, alice_client) -> None:
        page = _journal(alice_client, kind="catalog")
        assert "Pâtes" in page and "code PIN" not in page

    def test_by_object(self, alice_client) -> None:
        page = _journal(alice_client, target="stock.inventorycount")
        assert "Inventaire de mars" in page and "Pâtes" not in page

    def test_by_period(self, alice_client) -> None:
        since = (timezone.localdate() - timedelta(days=7)).isoformat()
        page = _journal(alice_client, since=since)
        assert "Pâtes" in page and "Inventaire de mars" not in page

    @pytest.mark.parametrize(
        "query",
        [
            {"since": "9999-12-31"},
            {"since": "0001-01-01"},
            {"since": "2026-05-01", "until": "2026-04-01"},
            {"person": str(2**63)},
            {"kind": "nope"},
            "target=%ED%A0%80",  # a lone surrogate
        ],
    )
    def test_bad_filters_get_a_french_message_and_the_whole_journal(
        self, alice_client, query
    ) -> None:
        if isinstance(query, str):
            response = alice_client.get(f"{reverse('stores:audit_log')}?{query}")
            assert response.status_code == 200
            page = response.content.decode()
        else:
            page = _journal(alice_client, **query)
        assert "Pâtes" in page
        assert 'class="error"' in page

    def test_charlie_sees_nothing_of_shop_a_and_alice_nothing_of_b(
        self, world, client, alice_client
    ) -> None:
        assert "Secret de B" not in _journal(alice_client)
        # Filtering on alice's id from shop B shows nothing of shop A.
        client.force_login(world.charlie)
        page = _journal(client, person=world.alice.pk)
        assert "Pâtes" not in page
        assert "Alice" not in page


def test_a_card_code_reads_as_the_card_prints_it(world) -> None:
    from cabas.gestion.beneficiaries import codes

    event = _event(
        world,
        action="household.card_reissued",
        target_type="beneficiaries.household",
        target_id="1",
        target_repr="Foyer 1",
        changes={"code": ["K7M2P9Q4", "X3Y8Z2W7"]},
    )
    [change] = describe(event).changes
    assert (change.before, change.after) == (codes.display("K7M2P9Q4"), codes.display("X3Y8Z2W7"))
