"""Recalls: the lots leave the stock with their own movement, the buyers are listed with their
contact, a till that sold offline gets its lines flagged, and what was done is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabas.gestion.catalog.models import Product
from cabas.gestion.recalls.models import Recall, RecallActionKind, RecallScope, RecallState
from cabas.gestion.recalls.selectors import blocked_products, recall_buyers
from cabas.gestion.recalls.services import (
    recall_action_record,
    recall_close,
    recall_lift,
    recall_record,
)
from cabas.gestion.sales.models import Anomaly
from cabas.gestion.stock.models import Lot, MovementKind, StockMovement
from cabas.gestion.stock.services import lot_receive, stock_movement_record
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.recalls.conftest import recall_pasta
from tests.gestion.sales.conftest import ticket, today

pytestmark = pytest.mark.django_db


def send(till, *tickets):
    response = till.post("tickets", {"tickets": list(tickets)})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def level(product: Product) -> int:
    return Product.objects.get(pk=product.pk).stock_qty


def recalled_anomalies(ticket_id: str) -> list[Anomaly]:
    return list(Anomaly.objects.filter(ticket_id=ticket_id, kind=Anomaly.Kind.RECALLED))


def test_a_dlc_range_recall_takes_only_those_lots_out_of_stock(world, shop_a):
    later = lot_receive(
        store=shop_a.store,
        product=shop_a.pasta,
        quantity=20,
        actor=None,
        dlc=today() + timedelta(days=90),
    )
    recall = recall_pasta(
        shop_a,
        world.alice,
        scope=RecallScope.DLC_RANGE,
        dlc_from=today() + timedelta(days=25),
        dlc_to=today() + timedelta(days=35),
    )
    first = Lot.objects.get(product=shop_a.pasta, dlc=today() + timedelta(days=30))
    assert list(recall.lots.all()) == [first]
    assert Lot.objects.get(pk=first.pk).quantity == 0
    assert Lot.objects.get(pk=later.pk).quantity == 20
    assert level(shop_a.pasta) == 20
    (removal,) = StockMovement.objects.filter(kind=MovementKind.RECALL)
    assert (removal.quantity, removal.lot_id, removal.created_by) == (-50, first.pk, world.alice)
    assert removal.reason == "Rappel : Listeria monocytogenes"
    assert recall.removed_qty == 50
    assert recall.actions.get().kind == RecallActionKind.RECORDED
    assert blocked_products(shop_a.store).keys() == {shop_a.pasta.pk}


def test_a_whole_product_recall_also_takes_the_stock_held_outside_any_lot(world, shop_a):
    stock_movement_record(
        store=shop_a.store,
        product=shop_a.milk,
        kind=MovementKind.ADJUSTMENT,
        quantity=4,
        actor=None,
    )
    recall = recall_record(
        store=shop_a.store,
        product=shop_a.milk,
        scope=RecallScope.PRODUCT,
        reason="Corps étranger",
        source="manufacturer",
        actor=world.alice,
    )
    assert level(shop_a.milk) == 0
    assert recall.removed_qty == 34
    assert sorted(
        StockMovement.objects.filter(kind=MovementKind.RECALL).values_list("quantity", flat=True)
    ) == [-30, -4]


def test_it_lists_the_households_who_bought_the_recalled_lots_with_their_contact(
    world, shop_a, till_a
):
    reached = shop_a.household
    other = make_household(
        shop_a.store,
        last_name="Martin",
        phone="06 11 22 33 44",
        admit=(today() - timedelta(days=10), today() + timedelta(days=100)),
        monthly_budget_cents=5000,
    )
    send(till_a, ticket(shop_a, [(shop_a.pasta, 3)]))
    send(till_a, ticket(shop_a, [(shop_a.pasta, 2), (shop_a.milk, 1)], household=other))
    send(till_a, ticket(shop_a, [(shop_a.milk, 1)]))  # not the recalled product
    send(till_a, ticket(shop_a, [(shop_a.pasta, 1)], household=False))  # no card
    recall = recall_pasta(
        shop_a,
        world.alice,
        scope=RecallScope.LOTS,
        lots=[Lot.objects.get(product=shop_a.pasta)],
    )
    buyers = recall_buyers(recall)
    assert {(b.household.pk, b.quantity) for b in buyers.households} == {
        (reached.pk, 3),
        (other.pk, 2),
    }
    assert buyers.anonymous_tickets == 1
    response = signed_in(world.alice).get(reverse("recalls:detail", args=[recall.pk]))
    page = response.content.decode()
    assert "06 11 22 33 44" in page and "Martin" in page
    assert "1 vente sans carte" in page


def test_a_refund_brought_back_is_deducted_from_what_the_household_holds(world, shop_a, till_a):
    sale = ticket(shop_a, [(shop_a.pasta, 3)])
    send(till_a, sale)
    refund = ticket(shop_a, [(shop_a.pasta, -1)], refund_of=sale["id"])
    send(till_a, refund)
    recall = recall_pasta(shop_a, world.alice)
    (buyer,) = recall_buyers(recall).households
    assert buyer.quantity == 2


def test_a_till_that_sold_offline_after_the_recall_gets_its_line_flagged(world, shop_a, till_a):
    recall = recall_pasta(shop_a, world.alice)
    sold = ticket(shop_a, [(shop_a.pasta, 2), (shop_a.milk, 1)])
    assert send(till_a, sold)[0]["status"] == "created"
    (anomaly,) = recalled_anomalies(sold["id"])
    assert anomaly.line_position == 1
    assert anomaly.details["recall_id"] == recall.pk
    assert anomaly.details["sold_during_recall"] is True
    assert "rappelé" in anomaly.message and "Prévenez le foyer" in anomaly.message
    assert [b.household for b in recall_buyers(recall).households] == [shop_a.household]


def test_a_sale_made_before_the_recall_and_sent_after_is_flagged_to_check_its_lot(
    world, shop_a, till_a
):
    before = (timezone.localtime() - timedelta(hours=3)).isoformat()
    recall = recall_pasta(shop_a, world.alice)
    sold = ticket(shop_a, [(shop_a.pasta, 1)], created_at=before)
    send(till_a, sold)
    (anomaly,) = recalled_anomalies(sold["id"])
    assert anomaly.details["sold_during_recall"] is False
    assert "vérifiez s'il venait d'un lot rappelé" in anomaly.message
    assert [b.household for b in recall_buyers(recall).households] == [shop_a.household]


def test_a_sale_after_the_block_is_lifted_is_not_flagged(world, shop_a, till_a):
    recall = recall_pasta(shop_a, world.alice)
    recall_lift(recall=recall, actor=world.alice, note="Rayons vidés")
    sold = ticket(shop_a, [(shop_a.pasta, 1)])
    send(till_a, sold)
    assert recalled_anomalies(sold["id"]) == []
    assert blocked_products(shop_a.store) == {}


def test_lifting_and_closing_follow_the_states_and_leave_a_trail(world, shop_a):
    recall = recall_pasta(shop_a, world.alice)
    recall_lift(recall=recall, actor=world.alice)
    assert recall.state == RecallState.LIFTED and recall.lifted_at is not None
    with pytest.raises(ValidationError, match="impossible"):
        recall_lift(recall=recall, actor=world.alice)
    recall_close(recall=recall, actor=world.alice, note="Fournisseur a repris les lots")
    assert Recall.objects.get(pk=recall.pk).state == RecallState.CLOSED
    assert list(recall.actions.order_by("id").values_list("kind", "done_by")) == [
        (RecallActionKind.RECORDED, world.alice.pk),
        (RecallActionKind.LIFTED, world.alice.pk),
        (RecallActionKind.CLOSED, world.alice.pk),
    ]


def test_an_action_is_recorded_with_its_date_and_person_and_checked(world, shop_a):
    recall = recall_pasta(shop_a, world.alice)
    action = recall_action_record(
        recall=recall,
        kind=RecallActionKind.HOUSEHOLD_CALLED,
        household=shop_a.household,
        actor=world.alice,
    )
    assert action.done_by == world.alice and action.household == shop_a.household
    with pytest.raises(ValidationError, match="futur"):
        recall_action_record(
            recall=recall,
            kind=RecallActionKind.GOODS_DESTROYED,
            actor=world.alice,
            done_at=timezone.now() + timedelta(days=2),
        )
    with pytest.raises(ValidationError, match="Dites ce qui a été fait"):
        recall_action_record(recall=recall, kind=RecallActionKind.NOTE, actor=world.alice)
    with pytest.raises(ValidationError, match="Choisissez"):
        recall_action_record(recall=recall, kind=RecallActionKind.CLOSED, actor=world.alice)


def test_the_page_records_a_recall_and_its_actions(world, shop_a, alice_client):
    url = reverse("recalls:create") + f"?produit={shop_a.pasta.pk}"
    response = alice_client.post(
        url,
        {
            "scope": "dlc_range",
            "dlc_from": (today() + timedelta(days=30)).isoformat(),
            "reason": "Allergène non déclaré (lait)",
            "source": "supplier",
        },
    )
    recall = Recall.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("recalls:detail", args=[recall.pk])
    assert recall.dlc_to == recall.dlc_from and recall.removed_qty == 50
    response = alice_client.post(
        reverse("recalls:action_add", args=[recall.pk]),
        {"kind": "goods_destroyed", "note": "Benne", "done_on": today().isoformat()},
        follow=True,
    )
    assert "Action enregistrée." in response.content.decode()
    assert recall.actions.filter(kind="goods_destroyed", done_by=world.alice).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scope": "dlc_range", "dlc_from": "9999-12-31"}, "Choisissez une date entre 2000"),
        (
            {"scope": "dlc_range", "dlc_from": "2030-05-02", "dlc_to": "2030-05-01"},
            "avant la première",
        ),
        ({"scope": "dlc_range"}, "Indiquez la première et la dernière DLC"),
        ({"scope": "lots"}, "Choisissez au moins un lot"),
        ({"scope": "lots", "lots": ["99999999999999999999"]}, "Sélectionnez un choix valide"),
        ({"scope": "product", "reason": "   "}, "Ce champ est obligatoire"),
        ({"scope": "everything"}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_input_gets_a_french_message(world, shop_a, alice_client, data, message):
    url = reverse("recalls:create") + f"?produit={shop_a.pasta.pk}"
    response = alice_client.post(url, {"reason": "Listeria", "source": "supplier", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Recall.objects.exists()
    assert level(shop_a.pasta) == 50


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "household_called", "household": "9" * 30}, "Sélectionnez un choix valide"),
        ({"kind": "goods_destroyed", "done_on": "9999-01-01"}, "Choisissez une date entre"),
        ({"kind": "note"}, "Dites ce qui a été fait"),
        ({"kind": "recorded"}, "Sélectionnez un choix valide"),
    ],
)
def test_a_bad_action_gets_a_french_message(world, shop_a, alice_client, data, message):
    recall = recall_pasta(shop_a, world.alice)
    response = alice_client.post(reverse("recalls:action_add", args=[recall.pk]), data, follow=True)
    assert message in response.content.decode()
    assert recall.actions.count() == 1


def test_charlie_cannot_note_an_action_about_his_own_recall_on_alices_household(
    world, shop_a, shop_b
):
    recall = recall_pasta(shop_b, world.charlie)
    response = signed_in(world.charlie).post(
        reverse("recalls:action_add", args=[recall.pk]),
        {"kind": "household_called", "household": shop_a.household.pk},
        follow=True,
    )
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert recall.actions.count() == 1


def test_a_huge_or_foreign_product_id_shows_the_product_search(world, shop_a, shop_b):
    client = signed_in(world.charlie)
    for value in ("99999999999999999999999", str(shop_a.pasta.pk)):
        response = client.get(reverse("recalls:create"), {"produit": value})
        assert response.status_code == 200
        assert "Produit rappelé : nom, marque ou code-barres" in response.content.decode()


def test_charlie_sees_nothing_of_alices_recalls(world, shop_a, shop_b):
    recall = recall_pasta(shop_a, world.alice)
    client = signed_in(world.charlie)
    listing = client.get(reverse("recalls:list")).content.decode()
    assert "Listeria" not in listing
    assert client.get(reverse("recalls:detail", args=[recall.pk])).status_code == 404
    response = client.post(reverse("recalls:lift", args=[recall.pk]))
    assert response.status_code == 404
    assert Recall.objects.get(pk=recall.pk).state == RecallState.ACTIVE
    with pytest.raises(ValidationError):
        recall_record(
            store=shop_b.store,
            product=shop_a.pasta,
            scope=RecallScope.PRODUCT,
            reason="x",
            source="shop",
            actor=world.charlie,
        )
    with pytest.raises(ValidationError, match="pas un lot de ce produit"):
        recall_record(
            store=shop_b.store,
            product=shop_b.pasta,
            scope=RecallScope.LOTS,
            lots=[Lot.objects.get(product=shop_a.pasta)],
            reason="x",
            source="shop",
            actor=world.charlie,
        )
