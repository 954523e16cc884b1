"""The shared import path (cabas.gestion.imports) as both imports use it: a file
uploaded in one shop can only be confirmed in that shop, and a file is applied once however
many times (or however fast) "Importer" is clicked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cabas.gestion import imports
from cabas.gestion.beneficiaries.imports import HouseholdImporter
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import category_create
from cabas.gestion.catalog.spreadsheets import ProductImporter
from cabas.gestion.core.models import PendingImport
from cabas.gestion.stores.permissions import Role
from cabas.gestion.stores.services import invitation_accept, person_add
from tests.conftest import make_world
from tests.gestion.concurrency import run_in_threads

PRODUCTS = "nom;rayon;prix\nLentilles;Épicerie salée;1,79\nPois;Épicerie salée;abc\n"
HOUSEHOLDS = "Nom;Prénom;Commune\nMartin;Jules;Lyon\nPetit;Ana;Bron\n"


def shops_with_rayons(world) -> None:  # type: ignore[no-untyped-def]
    for store in (world.store_a, world.store_b):
        category_create(store=store, name="Épicerie salée")


def alice_in_both_shops(world, client):  # type: ignore[no-untyped-def]
    """alice manages shop B as well (invited with her exact e-mail, she accepted), and works in
    shop A for now."""
    invitation = person_add(
        store=world.store_b,
        actor=world.charlie,
        username="alice",
        email="alice@example.org",
        role=Role.MANAGER,
    )
    invitation_accept(token=invitation.token(), user=world.alice)
    client.force_login(world.alice)
    client.post(reverse("stores:choose"), {"store": world.store_a.pk})
    return client


def choose(client, store) -> None:  # type: ignore[no-untyped-def]
    client.post(reverse("stores:choose"), {"store": store.pk})


def file(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode())


def messages_of(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(m) for m in response.context["messages"])


# --- shop isolation -----------------------------------------------------------------------


def test_a_product_file_previewed_in_shop_a_cannot_be_confirmed_in_shop_b(world, client):
    shops_with_rayons(world)
    client = alice_in_both_shops(world, client)
    upload = client.post(reverse("catalog:import_upload"), {"file": file("p.csv", PRODUCTS)})
    pending = PendingImport.objects.get()
    assert upload["Location"] == reverse("catalog:import_preview", args=[pending.pk])
    assert pending.store == world.store_a

    choose(client, world.store_b)
    confirm_url = reverse("catalog:import_confirm", args=[pending.pk])
    assert client.get(reverse("catalog:import_preview", args=[pending.pk])).status_code == 404
    assert client.post(confirm_url, {"action": "valid"}).status_code == 404
    assert not Product.objects.exists()
    # charlie, manager of shop B only, gets the same answer.
    client.force_login(world.charlie)
    assert client.post(confirm_url, {"action": "valid"}).status_code == 404
    assert not Product.objects.exists()

    # Back in shop A the file is still waiting, and goes into shop A only.
    client.force_login(world.alice)
    choose(client, world.store_a)
    client.post(confirm_url, {"action": "valid"})
    assert list(Product.objects.values_list("store__slug", "name")) == [("epicerie-a", "Lentilles")]


def test_a_household_file_previewed_in_shop_a_is_not_waiting_in_shop_b(world, client):
    client = alice_in_both_shops(world, client)
    page = client.post(reverse("beneficiaries:import"), {"file": file("f.csv", HOUSEHOLDS)})
    assert "2 ligne(s) valide(s)" in page.content.decode()

    choose(client, world.store_b)
    response = client.post(reverse("beneficiaries:import"), {"action": "all"})
    assert "Aucun fichier en attente" in messages_of(response)
    assert not Household.objects.exists()

    choose(client, world.store_a)
    client.post(reverse("beneficiaries:import"), {"action": "all"})
    assert set(Household.objects.values_list("store__slug", flat=True)) == {"epicerie-a"}
    assert Household.objects.count() == 2


def test_the_shared_services_never_find_another_shops_pending_file(world):
    shops_with_rayons(world)
    in_a = ProductImporter(store=world.store_a, actor=world.alice)
    in_b = ProductImporter(store=world.store_b, actor=world.charlie)
    pending = imports.pending_import_create(
        importer=in_a, filename="p.csv", content=PRODUCTS.encode()
    )
    assert imports.pending_import_get(in_b, pending.pk) is None
    assert imports.pending_import_get(HouseholdImporter(world.store_a, None), pending.pk) is None
    with pytest.raises(ValidationError):
        imports.pending_import_apply(importer=in_b, pending=pending, valid_only=True)
    assert not Product.objects.exists()
    assert PendingImport.objects.get().status == PendingImport.Status.PENDING


# --- a file is applied once ---------------------------------------------------------------


def test_confirming_a_product_file_twice_applies_it_once(world, alice_client):
    shops_with_rayons(world)
    alice_client.post(reverse("catalog:import_upload"), {"file": file("p.csv", PRODUCTS)})
    confirm_url = reverse("catalog:import_confirm", args=[PendingImport.objects.get().pk])
    first = alice_client.post(confirm_url, {"action": "valid"}, follow=True)
    assert "1 produit créé ou modifié." in messages_of(first)
    second = alice_client.post(confirm_url, {"action": "valid"}, follow=True)
    assert "déjà été appliqué" in messages_of(second)
    assert Product.objects.filter(name="Lentilles").count() == 1


def test_confirming_a_household_file_twice_applies_it_once(world, alice_client):
    alice_client.post(reverse("beneficiaries:import"), {"file": file("f.csv", HOUSEHOLDS)})
    alice_client.post(reverse("beneficiaries:import"), {"action": "all"})
    second = alice_client.post(reverse("beneficiaries:import"), {"action": "all"})
    assert "déjà été appliqué" in messages_of(second)
    assert Household.objects.count() == 2


def test_a_cancelled_file_cannot_be_applied_afterwards(world, alice_client):
    shops_with_rayons(world)
    alice_client.post(reverse("catalog:import_upload"), {"file": file("p.csv", PRODUCTS)})
    confirm_url = reverse("catalog:import_confirm", args=[PendingImport.objects.get().pk])
    alice_client.post(confirm_url, {"action": "cancel"})
    response = alice_client.post(confirm_url, {"action": "valid"}, follow=True)
    assert "déjà été appliqué ou abandonné" in messages_of(response)
    assert not Product.objects.exists()


THREADS = 6


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["products", "households"])
def test_the_same_file_confirmed_from_several_threads_at_once_is_applied_once(kind):
    world = make_world()
    shops_with_rayons(world)
    if kind == "products":
        importer = ProductImporter(store=world.store_a, actor=world.alice)
        content, count = PRODUCTS.encode(), Product.objects.count
    else:
        importer = HouseholdImporter(store=world.store_a, actor=world.alice)
        content, count = HOUSEHOLDS.encode(), Household.objects.count
    pending = imports.pending_import_create(importer=importer, filename="f.csv", content=content)
    applied, errors = run_in_threads(
        lambda: imports.pending_import_apply(importer=importer, pending=pending, valid_only=True),
        THREADS,
    )
    assert len(applied) == 1
    assert all(isinstance(error, ValidationError) for error in errors)
    assert {error.messages[0] for error in errors} == {  # type: ignore[attr-defined]
        "Cet import a déjà été appliqué ou abandonné."
    }
    assert len(errors) == THREADS - 1
    assert count() == applied[0] == (1 if kind == "products" else 2)
    assert PendingImport.objects.get().applied_count == applied[0]


# --- the household file is not kept -------------------------------------------------------


def test_an_applied_household_file_keeps_its_count_but_not_its_cells(world, alice_client):
    page = alice_client.post(reverse("beneficiaries:import"), {"file": file("f.csv", HOUSEHOLDS)})
    assert PendingImport.objects.get().rows  # kept while the file waits for its confirmation
    assert "Martin" in page.content.decode()
    applied = alice_client.post(reverse("beneficiaries:import"), {"action": "all"}, follow=True)
    assert "2 foyer(s) importé(s)." in messages_of(applied)
    pending = PendingImport.objects.get()
    assert pending.status == PendingImport.Status.APPLIED
    assert (pending.applied_count, pending.filename, pending.rows) == (2, "f.csv", [])
    assert Household.objects.count() == 2


def test_a_product_file_applied_through_its_preview_page_keeps_no_cells(world, alice_client):
    shops_with_rayons(world)
    alice_client.post(reverse("catalog:import_upload"), {"file": file("p.csv", PRODUCTS)})
    confirm_url = reverse("catalog:import_confirm", args=[PendingImport.objects.get().pk])
    response = alice_client.post(confirm_url, {"action": "valid"}, follow=True)
    assert "1 produit créé ou modifié." in messages_of(response)
    pending = PendingImport.objects.get()
    assert (pending.status, pending.applied_count, pending.rows) == ("applied", 1, [])


def test_a_cancelled_household_file_keeps_no_cells(world, alice_client):
    alice_client.post(reverse("beneficiaries:import"), {"file": file("f.csv", HOUSEHOLDS)})
    alice_client.post(reverse("beneficiaries:import"), {"action": "cancel"})
    pending = PendingImport.objects.get()
    assert (pending.status, pending.rows) == (PendingImport.Status.CANCELLED, [])
    assert not Household.objects.exists()


def test_the_purge_deletes_unconfirmed_files_after_a_day_and_empties_finished_ones(world):
    importer = HouseholdImporter(store=world.store_a, actor=world.alice)
    other_shop = HouseholdImporter(store=world.store_b, actor=world.charlie)

    def upload(into: HouseholdImporter) -> PendingImport:
        return imports.pending_import_create(
            importer=into, filename="f.csv", content=HOUSEHOLDS.encode()
        )

    old, fresh, elsewhere = upload(importer), upload(importer), upload(other_shop)
    # An import finished before the cells were emptied on the spot still holds them.
    finished = upload(importer)
    PendingImport.objects.filter(pk=finished.pk).update(status=PendingImport.Status.APPLIED)
    a_day_ago = timezone.now() - imports.KEEP - timedelta(minutes=1)
    PendingImport.objects.filter(pk__in=[old.pk, elsewhere.pk]).update(created_at=a_day_ago)

    assert imports.pending_imports_purge(store=world.store_a, dry_run=True) == 2
    assert PendingImport.objects.count() == 4
    assert imports.pending_imports_purge(store=world.store_a) == 2
    assert not PendingImport.objects.filter(pk=old.pk).exists()
    assert PendingImport.objects.get(pk=finished.pk).rows == []
    assert PendingImport.objects.get(pk=fresh.pk).rows  # still waiting, less than a day old
    assert PendingImport.objects.filter(pk=elsewhere.pk).exists()  # another shop's, untouched
    assert imports.pending_imports_purge(store=world.store_a) == 0
    assert imports.pending_imports_purge() == 1  # all shops: the other shop's old file
