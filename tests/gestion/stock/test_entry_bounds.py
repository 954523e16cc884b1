"""Stock entries a shop can trust: bounded quantities, losses within the stock, no past DLC
coming in unnoticed, and kilos typed for weighed products (issue #21, items 1 and 2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cabas.gestion.catalog.models import CatalogSettings
from cabas.gestion.stock.models import Lot, MovementKind, StockMovement
from cabas.gestion.stock.selectors import product_lots
from cabas.gestion.stock.services import loss_record, lot_receive
from tests.gestion.stock.conftest import make_product


@pytest.fixture
def cheese(world, rayon):  # type: ignore[no-untyped-def]
    return make_product(world.store_a, rayon, name="Comté à la coupe", unit="kg")


def test_it_refuses_a_reception_of_a_billion_pieces(world, product):
    with pytest.raises(ValidationError) as caught:
        lot_receive(store=world.store_a, product=product, quantity=999_999_999_999, actor=None)
    assert "maximum de l'épicerie (10000)" in caught.value.messages[0]
    product.refresh_from_db()
    assert product.stock_qty == 0 and not Lot.objects.exists()


def test_the_bound_is_the_shops_own(world, product):
    CatalogSettings.objects.update_or_create(
        store=world.store_a, defaults={"max_entry_pieces": 50_000}
    )
    lot = lot_receive(store=world.store_a, product=product, quantity=20_000, actor=None)
    assert lot.quantity == 20_000


def test_the_reception_page_shows_the_bound_in_french(diane_client, world, product):
    response = diane_client.post(
        reverse("stock:lot_add"),
        {
            "product": product.pk,
            "kind": "reception",
            "quantity": "999999999999",
            "date_kind": "",
            "origin": "purchase",
        },
    )
    assert response.status_code == 200
    assert "pas plausible" in response.content.decode()
    response = diane_client.post(
        reverse("stock:lot_add"),
        {
            "product": product.pk,
            "kind": "reception",
            "quantity": "12000",
            "date_kind": "",
            "origin": "purchase",
        },
    )
    assert response.status_code == 200
    assert "maximum de l&#x27;épicerie" in response.content.decode()


def test_a_loss_never_exceeds_the_stock_unless_it_is_unknown(world, cheese):
    lot_receive(store=world.store_a, product=cheese, quantity=12_500, actor=None)
    with pytest.raises(ValidationError) as caught:
        loss_record(store=world.store_a, product=cheese, quantity=50_000, cause="casse", actor=None)
    assert "Perte de 50\u00a0kg" in caught.value.messages[0]
    assert "12,5\u00a0kg" in caught.value.messages[0]
    cheese.refresh_from_db()
    assert cheese.stock_qty == 12_500
    loss_record(
        store=world.store_a,
        product=cheese,
        quantity=50_000,
        cause="casse",
        actor=None,
        stock_unknown=True,
    )
    cheese.refresh_from_db()
    assert cheese.stock_qty == -37_500


def test_the_loss_page_takes_kilos_and_refuses_more_than_the_stock(diane_client, world, cheese):
    lot_receive(store=world.store_a, product=cheese, quantity=12_500, actor=None)
    data = {"product": cheese.pk, "quantity": "50", "cause": "casse", "detail": ""}
    response = diane_client.post(reverse("stock:loss_add"), data)
    assert response.status_code == 200
    assert "stock inconnu" in response.content.decode()
    response = diane_client.post(reverse("stock:loss_add"), {**data, "quantity": "1,25"})
    assert response.status_code == 302
    loss = StockMovement.objects.get(kind=MovementKind.LOSS)
    assert loss.quantity == -1250


def test_a_past_dlc_is_refused_at_reception(world, product):
    yesterday = world.store_a.today() - timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        lot_receive(store=world.store_a, product=product, quantity=6, actor=None, dlc=yesterday)
    assert "déjà dépassée" in caught.value.messages[0]
    assert not Lot.objects.exists()


def test_a_past_dlc_recorded_as_lost_on_arrival_never_reaches_the_shelf(world, product):
    yesterday = world.store_a.today() - timedelta(days=1)
    lot = lot_receive(
        store=world.store_a,
        product=product,
        quantity=6,
        actor=None,
        dlc=yesterday,
        expired_on_arrival=True,
    )
    product.refresh_from_db()
    assert product.stock_qty == 0 and lot.quantity == 0
    kinds = list(StockMovement.objects.order_by("id").values_list("kind", "quantity"))
    assert kinds == [(MovementKind.RECEPTION, 6), (MovementKind.EXPIRY, -6)]
    assert all(held.quantity == 0 for held in product_lots(world.store_a, product))


def test_a_date_typed_with_no_date_chosen_is_not_dropped(diane_client, world, product):
    response = diane_client.post(
        reverse("stock:lot_add"),
        {
            "product": product.pk,
            "kind": "reception",
            "quantity": "3",
            "date_kind": "",
            "date": (world.store_a.today() + timedelta(days=30)).isoformat(),
            "origin": "purchase",
        },
    )
    assert response.status_code == 200
    assert "choisissez DLC ou DDM" in response.content.decode()
    assert not Lot.objects.exists()


def test_a_weighed_reception_is_typed_in_kilos_with_a_comma(diane_client, world, cheese):
    response = diane_client.post(
        reverse("stock:lot_add"),
        {
            "product": cheese.pk,
            "kind": "reception",
            "quantity": "12,5",
            "date_kind": "",
            "origin": "purchase",
        },
    )
    assert response.status_code == 302
    cheese.refresh_from_db()
    assert cheese.stock_qty == 12_500


def test_a_fraction_of_a_piece_is_refused(diane_client, world, product):
    response = diane_client.post(
        reverse("stock:lot_add"),
        {
            "product": product.pk,
            "kind": "reception",
            "quantity": "2,5",
            "date_kind": "",
            "origin": "purchase",
        },
    )
    assert response.status_code == 200
    assert "nombre entier de pièces" in response.content.decode()
