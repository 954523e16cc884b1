"""The quota and ceiling forms are plain fields: nothing to type in a syntax, nothing that fails
by default (issue #21, item 11)."""

from __future__ import annotations

from django.urls import reverse

from cabas.gestion.beneficiaries.models import Quota
from cabas.gestion.catalog.services import category_create, product_create


def test_a_new_quota_saves_with_the_fields_as_they_come(world, client) -> None:
    rayon = category_create(store=world.store_a, name="Frais")
    cheese = product_create(
        store=world.store_a, actor=None, name="Comté", category=rayon, price_cents=1490, unit="kg"
    )
    client.force_login(world.alice)
    page = client.get(reverse("beneficiaries:quota_add")).content.decode()
    assert "{}" not in page and "taille = limite" not in page
    assert "Limite pour un foyer de 3 personnes" in page
    response = client.post(
        reverse("beneficiaries:quota_add"),
        {
            "label": "Fromage",
            "product": str(cheese.pk),
            "unit": "piece",
            "base_quantity": "0,5",
            "per_extra_person": "0",
            "size_5": "2",
            "active": "on",
        },
    )
    assert response.status_code == 302
    quota = Quota.objects.get()
    assert (quota.unit, quota.base_quantity, quota.limits_by_size) == ("kg", 500, {"5": 2000})
    edit = client.get(reverse("beneficiaries:quota_edit", args=[quota.pk])).content.decode()
    assert 'name="base_quantity" value="0,5"' in edit and 'name="size_5" value="2"' in edit
    listing = client.get(reverse("beneficiaries:quotas")).content.decode()
    assert "0,5\u00a0kg" in listing


def test_a_quota_without_a_target_says_so_in_french(world, client) -> None:
    client.force_login(world.alice)
    response = client.post(
        reverse("beneficiaries:quota_add"),
        {"label": "Rien", "unit": "piece", "base_quantity": "2"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choisissez un produit ou un rayon" in html
    assert "quota_one_target" not in html


def test_the_ceilings_have_a_row_per_origin(world, client) -> None:
    rayon = category_create(store=world.store_a, name="Épicerie")
    product_create(
        store=world.store_a,
        actor=None,
        name="Lentilles",
        category=rayon,
        price_cents=179,
        origin="programme",
        programme="FSE+",
    )
    client.force_login(world.alice)
    page = client.get(reverse("beneficiaries:settings")).content.decode()
    assert "programme:FSE+ = 0" not in page
    assert "Plafond des produits donnés" in page and "Plafond du programme FSE+" in page
