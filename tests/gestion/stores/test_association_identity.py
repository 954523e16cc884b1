"""The association's legal name, SIREN and RNA in the shop's settings (printed on the donation
certificates): checked, stored without spaces, French messages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cabas.gestion.stores.models import Store

pytestmark = pytest.mark.django_db


def _settings(store: Store, **changes: str) -> dict[str, str]:
    return {
        "name": store.name,
        "timezone": store.timezone,
        "cash_session_required": "on",
        **changes,
    }


def test_the_manager_records_the_associations_siren_and_rna(world, alice_client):
    response = alice_client.post(
        reverse("stores:settings"),
        _settings(
            world.store_a, legal_name="Association Le Panier", siren="732 829 320", rna="w751234567"
        ),
    )
    assert response.status_code == 302
    store = Store.objects.get(pk=world.store_a.pk)
    assert (store.legal_name, store.siren, store.rna) == (
        "Association Le Panier",
        "732829320",
        "W751234567",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siren", "732829321", "clé de contrôle est fausse"),
        ("siren", "73282932000016", "SIRET"),
        ("siren", "1" * 40, "9 chiffres"),
        ("rna", "123", "W suivi de 9"),
    ],
)
def test_a_wrong_identifier_gets_a_french_message(world, alice_client, field, value, message):
    response = alice_client.post(
        reverse("stores:settings"), _settings(world.store_a, **{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert getattr(Store.objects.get(pk=world.store_a.pk), field) == ""
