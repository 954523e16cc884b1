"""The stock pages: what they show, what their forms do, and how many queries lists cost."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cabas.gestion.stock.models import InventoryCount, MovementKind, StockMovement
from cabas.gestion.stock.selectors import product_stock_panel
from cabas.gestion.stock.services import (
    MovementSpec,
    inventory_count_create,
    inventory_count_start,
    lot_receive,
    stock_movements_bulk_record,
)
from tests.gestion.stock.conftest import make_product


def many_movements(world, rayon, products=12, each=3):  # type: ignore[no-untyped-def]
    made = [make_product(world.store_a, rayon, name=f"Produit {i}") for i in range(products)]
    today = world.store_a.today()
    for i, product in enumerate(made):
        lot_receive(
            store=world.store_a,
            product=product,
            quantity=20,
            actor=world.diane,
            dlc=today + timedelta(days=i - 3),
            source_label="Banque alimentaire",
            received_at=timezone.now() - timedelta(days=10),
        )
        for j in range(each):
            stock_movements_bulk_record(
                store=world.store_a,
                specs=[MovementSpec(product.pk, -1)],
                occurred_at=timezone.now(),
                document_type="sale.ticket",
                document_id=f"{i}-{j}",
            )
    return made


def test_the_movements_list_costs_a_fixed_number_of_queries(
    diane_client, world, rayon, django_assert_max_num_queries
):
    many_movements(world, rayon)
    with django_assert_max_num_queries(12):
        response = diane_client.get(reverse("stock:home"))
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") >= 40


def test_the_movements_list_filters_by_kind(diane_client, world, rayon):
    many_movements(world, rayon, products=2, each=1)
    page = diane_client.get(reverse("stock:home"), {"nature": "reception"}).content.decode()
    assert "réception" in page and "kind-sale" not in page


def test_the_dates_page_lists_lots_to_pull_dispose_and_flag(
    diane_client, world, rayon, django_assert_max_num_queries
):
    made = many_movements(world, rayon)
    today = world.store_a.today()
    lot_receive(
        store=world.store_a, product=made[0], quantity=4, actor=None, ddm=today - timedelta(days=10)
    )
    with django_assert_max_num_queries(10):
        response = diane_client.get(reverse("stock:dates"), {"jours": "2"})
    lots = response.context["lots"]
    assert [lot.dlc for lot in lots.dlc_passed] == [today - timedelta(days=d) for d in (3, 2, 1)]
    assert [lot.dlc for lot in lots.dlc_soon] == [today + timedelta(days=d) for d in (0, 1, 2)]
    assert len(lots.ddm_passed) == 1
    assert "Retirer et détruire" in response.content.decode()


def test_disposing_from_the_dates_page_writes_the_expiry_movement(diane_client, world, product):
    lot = lot_receive(
        store=world.store_a,
        product=product,
        quantity=6,
        actor=None,
        dlc=world.store_a.today() - timedelta(days=1),
        received_at=timezone.now() - timedelta(days=10),
    )
    response = diane_client.post(
        reverse("stock:lot_dispose", args=[lot.pk]), {"next": reverse("stock:dates")}
    )
    assert response.status_code == 302 and response.url == reverse("stock:dates")
    movement = StockMovement.objects.get(kind=MovementKind.EXPIRY)
    assert (movement.quantity, movement.created_by) == (-6, world.diane)


def test_disposing_never_redirects_to_another_site(diane_client, world, product):
    lot = lot_receive(store=world.store_a, product=product, quantity=1, actor=None)
    response = diane_client.post(
        reverse("stock:lot_dispose", args=[lot.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("stock:dates")


def test_an_entry_creates_a_lot_by_scanning_the_product(diane_client, world, product):
    response = diane_client.post(
        reverse("stock:lot_add"),
        {
            "code": "3017620422003",
            "kind": "donation",
            "quantity": "24",
            "date_kind": "ddm",
            "date": "2027-03-01",
            "origin": "donation",
            "source_label": "Restos du cœur",
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock_qty == 24
    lot = product.lots.get()
    assert (str(lot.ddm), lot.source_label) == ("2027-03-01", "Restos du cœur")


def test_bad_entries_are_refused_in_french(diane_client, world, product):
    response = diane_client.post(
        reverse("stock:lot_add"),
        {
            "code": "999",
            "kind": "reception",
            "quantity": "0",
            "date_kind": "dlc",
            "date": "",
            "origin": "purchase",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Aucun produit de l" in page and "Indiquez la date" in page
    assert not StockMovement.objects.exists()


def test_a_loss_is_entered_with_its_cause(diane_client, world, product):
    lot_receive(store=world.store_a, product=product, quantity=5, actor=None)
    response = diane_client.post(
        f"{reverse('stock:loss_add')}?produit={product.pk}",
        {
            "product": product.pk,
            "quantity": "2",
            "cause": "casse",
            "detail": "carton tombé",
        },
    )
    assert response.status_code == 302
    movement = StockMovement.objects.get(kind=MovementKind.LOSS)
    assert (movement.kind, movement.quantity, movement.reason) == (
        MovementKind.LOSS,
        -2,
        "Casse : carton tombé",
    )


def test_the_product_history_links_each_movement_to_its_document(
    diane_client, world, product, django_assert_max_num_queries
):
    lot = lot_receive(store=world.store_a, product=product, quantity=10, actor=world.diane)
    count = inventory_count_create(store=world.store_a, actor=None, name="Annuel")
    inventory_count_start(count=count, actor=None)
    count.lines.update(counted=8, counted_at=timezone.now())
    from cabas.gestion.stock.services import inventory_count_validate

    inventory_count_validate(count=count, actor=world.diane)
    for n in range(60):
        stock_movements_bulk_record(
            store=world.store_a,
            specs=[MovementSpec(product.pk, -1)],
            occurred_at=timezone.now() - timedelta(days=1),
            document_type="sale.ticket",
            document_id=str(n),
        )
    with django_assert_max_num_queries(10):
        response = diane_client.get(reverse("stock:product_movements", args=[product.pk]))
    page = response.content.decode()
    assert reverse("stock:count_detail", args=[count.pk]) in page
    assert len(response.context["page"].object_list) == 50
    last = diane_client.get(reverse("stock:product_movements", args=[product.pk]), {"page": 2})
    assert reverse("stock:lot_detail", args=[lot.pk]) in last.content.decode()


def test_the_product_panel_gives_lots_and_latest_movements(world, product):
    lot_receive(
        store=world.store_a,
        product=product,
        quantity=3,
        actor=None,
        dlc=world.store_a.today() + timedelta(days=4),
    )
    panel = product_stock_panel(product)
    assert [lot.quantity for lot in panel["lots"]] == [3]
    assert [m.quantity for m in panel["movements"]] == [3]
    assert not panel["has_more"]


def test_a_scan_posted_by_htmx_counts_and_shows_the_line(diane_client, world, product):
    count = inventory_count_start(
        count=inventory_count_create(store=world.store_a, actor=None, name="Pâtes"), actor=None
    )
    url = reverse("stock:count_scan", args=[count.pk])
    diane_client.post(url, {"code": "3017620422003"}, HTTP_HX_REQUEST="true")
    response = diane_client.post(url, {"code": "3017620422003"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200 and "Spaghetti" in page and "compté" in page
    assert count.lines.get().counted == 2
    error = diane_client.post(url, {"code": "123"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Code inconnu" in error


def test_the_count_page_shows_differences_with_their_value_at_cost(diane_client, world, product):
    lot_receive(store=world.store_a, product=product, quantity=10, actor=None)
    count = inventory_count_start(
        count=inventory_count_create(store=world.store_a, actor=None, name="Pâtes"), actor=None
    )
    line = count.lines.get()
    response = diane_client.post(
        reverse("stock:count_line_set", args=[count.pk, line.pk]),
        {"counted": "7"},
        HTTP_HX_REQUEST="true",
    )
    assert "-3" in response.content.decode()
    page = diane_client.get(reverse("stock:count_detail", args=[count.pk]))
    assert page.context["review"].value_cents == -3 * 90
    assert "-2,70" in page.content.decode()


def test_creating_a_count_of_some_rayons_and_starting_it(diane_client, world, rayon, product):
    response = diane_client.post(
        reverse("stock:count_add"), {"name": "Rayon pâtes", "categories": [rayon.pk], "start": "1"}
    )
    count = InventoryCount.objects.get()
    assert response.url == reverse("stock:count_detail", args=[count.pk])
    assert count.state == "in_progress" and count.lines.count() == 1


def test_charlie_cannot_touch_shop_a_lots(client, world, product):
    lot = lot_receive(store=world.store_a, product=product, quantity=2, actor=None)
    client.force_login(world.charlie)
    assert client.post(reverse("stock:lot_dispose", args=[lot.pk])).status_code == 404
    assert (
        client.post(
            reverse("stock:loss_add"), {"product": product.pk, "quantity": "1", "cause": "casse"}
        ).status_code
        == 200
    )
    assert not StockMovement.objects.filter(kind=MovementKind.LOSS).exists()


def test_the_count_pages_cost_a_fixed_number_of_queries(
    diane_client, world, rayon, django_assert_max_num_queries
):
    for n in range(30):
        make_product(world.store_a, rayon, name=f"Produit {n}")
    for n in range(5):
        inventory_count_create(store=world.store_a, actor=world.diane, name=f"Inventaire {n}")
    count = inventory_count_start(
        count=inventory_count_create(store=world.store_a, actor=None, name="Tout"), actor=None
    )
    count.lines.update(counted=1, counted_at=timezone.now())
    with django_assert_max_num_queries(10):
        assert diane_client.get(reverse("stock:count_list")).status_code == 200
    with django_assert_max_num_queries(12):
        response = diane_client.get(reverse("stock:count_detail", args=[count.pk]))
    assert response.context["review"].differing == 30
