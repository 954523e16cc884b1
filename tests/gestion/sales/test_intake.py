"""`POST tickets`: statuses, idempotency, effects (stock FEFO, spending) and anomalies."""

from __future__ import annotations

import copy
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from cabas.gestion.beneficiaries.models import MonthlySpending
from cabas.gestion.beneficiaries.selectors import household_spent_cents
from cabas.gestion.beneficiaries.services import rights_suspend
from cabas.gestion.catalog.models import Product
from cabas.gestion.sales.models import Anomaly, QuarantinedPayload, Ticket, TicketLine
from cabas.gestion.stock.models import Lot, StockMovement
from cabas.gestion.stock.services import lot_receive
from cabas.rules.budget import month_of
from tests.conftest import statements_sent
from tests.gestion.sales.conftest import ticket

pytestmark = pytest.mark.django_db


def send(till, *tickets):
    response = till.post("tickets", {"tickets": list(tickets)})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def stock(product: Product) -> int:
    return Product.objects.get(pk=product.pk).stock_qty


def kinds(ticket_id: str) -> list[str]:
    return sorted(Anomaly.objects.filter(ticket_id=ticket_id).values_list("kind", flat=True))


def month_now() -> str:
    return month_of(timezone.now(), "Europe/Paris")


def test_a_ticket_is_stored_with_its_lines_payments_and_effects(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 3), (shop_a.tomatoes, 1234)])
    results = send(till_a, body)
    assert results == [{"id": body["id"], "status": "created", "error": None}]
    stored = Ticket.objects.get(pk=body["id"])
    assert stored.store == shop_a.store
    assert stored.device == till_a.device
    assert stored.household == shop_a.household
    assert stored.cashier_id == shop_a.cashier_id
    assert stored.total_cents == body["total_cents"]
    assert stored.lines.count() == 2 and stored.payments.count() == 1
    assert stock(shop_a.pasta) == 47
    assert stock(shop_a.tomatoes) == 20_000 - 1234
    assert household_spent_cents(shop_a.household, month_now()) == body["total_cents"]
    assert StockMovement.objects.filter(document_id=body["id"]).count() == 2
    assert kinds(body["id"]) == []


def test_sending_it_again_is_a_duplicate_that_changes_nothing(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 3)])
    send(till_a, body)
    again = copy.deepcopy(body)
    again["id"] = body["id"].upper()  # the same UUID, written otherwise
    assert send(till_a, again, body)[0]["status"] == "duplicate"
    assert Ticket.objects.count() == 1
    assert stock(shop_a.pasta) == 47
    assert household_spent_cents(shop_a.household, month_now()) == body["total_cents"]


def test_the_same_id_twice_in_one_batch_is_stored_once(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 1)])
    statuses = [r["status"] for r in send(till_a, body, body)]
    assert statuses == ["created", "duplicate"]
    assert stock(shop_a.pasta) == 49


def test_the_same_id_with_other_content_is_an_id_conflict(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 3)])
    send(till_a, body)
    other = ticket(shop_a, [(shop_a.pasta, 4)], ticket_id=body["id"])
    result = send(till_a, other)[0]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "id_conflict"
    assert stock(shop_a.pasta) == 47
    kept = QuarantinedPayload.objects.get(reason="id_conflict")
    assert kept.object_id == body["id"] and '"quantity": 4' in kept.raw


def test_a_ticket_id_of_another_shop_is_an_id_conflict(shop_a, shop_b, till_a, till_b):
    body = ticket(shop_a, [(shop_a.pasta, 1)], household=False)
    send(till_a, body)
    assert send(till_b, body)[0]["error"]["code"] == "id_conflict"


def test_an_invalid_ticket_is_rejected_alone_and_kept_whole(shop_a, till_a):
    good = ticket(shop_a, [(shop_a.pasta, 1)])
    bad = ticket(shop_a, [(shop_a.milk, 2)])
    bad["total_cents"] += 1
    junk = ["not a ticket", {"id": 12}]
    results = send(till_a, good, bad, *junk)
    assert [r["status"] for r in results] == ["created", "rejected", "rejected", "rejected"]
    assert results[1]["id"] == bad["id"]
    assert results[1]["error"]["code"] == "invalid"
    assert "total" in results[1]["error"]["message"]
    assert results[2]["id"] is None
    assert stock(shop_a.milk) == 30
    assert QuarantinedPayload.objects.filter(reason="invalid", kind="ticket").count() == 3


def test_stock_is_taken_from_the_first_expiring_lot(shop_a, till_a):
    soon = lot_receive(
        store=shop_a.store,
        product=shop_a.pasta,
        quantity=2,
        actor=None,
        dlc=timezone.localdate() + timedelta(days=2),
    )
    send(till_a, ticket(shop_a, [(shop_a.pasta, 3)]))
    assert Lot.objects.get(pk=soon.pk).quantity == 0
    taken = StockMovement.objects.filter(kind="sale").values_list("lot_id", "quantity")
    assert sorted(taken, key=lambda row: row[1]) == [
        (next(lot for lot, _q in taken if lot != soon.pk), -1),
        (soon.pk, -2),
    ] or sorted(q for _l, q in taken) == [-2, -1]


def test_a_refund_puts_goods_back_and_gives_the_budget_back(shop_a, till_a):
    sale = ticket(shop_a, [(shop_a.pasta, 3)])
    send(till_a, sale)
    refund = ticket(shop_a, [(shop_a.pasta, -2)], refund_of=sale["id"])
    assert send(till_a, refund)[0]["status"] == "created"
    assert stock(shop_a.pasta) == 49
    spent = household_spent_cents(shop_a.household, month_now())
    assert spent == sale["total_cents"] + refund["total_cents"]
    assert refund["total_cents"] < 0
    assert kinds(refund["id"]) == []


def test_the_month_is_the_shops_month(shop_a, till_a):
    # 23:30 UTC on 31 March is already April in Paris.
    body = ticket(shop_a, [(shop_a.pasta, 1)], created_at="2026-03-31T23:30:00+00:00")
    send(till_a, body)
    assert Ticket.objects.get(pk=body["id"]).month == "2026-04"
    assert MonthlySpending.objects.get(household=shop_a.household).month == "2026-04"


def test_a_ticket_naming_another_shops_product_is_flagged_never_linked(shop_a, shop_b, till_a):
    body = ticket(shop_a, [(shop_b.pasta, 2)])
    assert send(till_a, body)[0]["status"] == "created"
    assert kinds(body["id"]) == ["unknown_product"]
    assert TicketLine.objects.get(ticket_id=body["id"]).product is None
    assert stock(shop_b.pasta) == 50


def test_a_device_of_a_naming_bs_beneficiary_gets_an_anomaly_never_bs_data(shop_a, shop_b, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 1)], household=shop_b.household)
    assert send(till_a, body)[0]["status"] == "created"
    assert kinds(body["id"]) == ["beneficiary_unknown"]
    stored = Ticket.objects.get(pk=body["id"])
    assert stored.household is None
    assert not MonthlySpending.objects.filter(household=shop_b.household).exists()
    anomaly = Anomaly.objects.get(ticket_id=body["id"])
    assert shop_b.household.label not in anomaly.message


def test_an_unknown_barcode_is_flagged(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 1)])
    body["lines"][0].update(product_id=None, barcode="2000000000008")
    assert send(till_a, body)[0]["status"] == "created"
    assert kinds(body["id"]) == ["unknown_barcode"]
    assert stock(shop_a.pasta) == 50


def test_a_known_barcode_without_product_id_moves_its_products_stock(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.milk, 2)])
    code = shop_a.milk.barcodes.get().code
    body["lines"][0].update(product_id=None, barcode=code)
    send(till_a, body)
    assert stock(shop_a.milk) == 28
    assert kinds(body["id"]) == []


def test_suspended_and_expired_beneficiaries_are_flagged(shop_a, till_a):
    rights_suspend(
        household=shop_a.household,
        actor=None,
        reason="Dossier incomplet",
        today=timezone.localdate(),
    )
    body = ticket(shop_a, [(shop_a.pasta, 1)])
    send(till_a, body)
    assert kinds(body["id"]) == ["beneficiary_suspended"]
    late = ticket(
        shop_a,
        [(shop_a.pasta, 1)],
        created_at=(timezone.localtime() + timedelta(days=400)).isoformat(),
    )
    send(till_a, late)
    assert "beneficiary_expired" in kinds(late["id"])  # (and the lots' DLC is long past)


def test_going_over_the_budget_is_flagged_with_the_spending_after_the_ticket(shop_a, till_a):
    fits = ticket(shop_a, [(shop_a.pasta, 40)])  # 40 × 0,30 € = 12 €
    send(till_a, fits)
    assert kinds(fits["id"]) == []
    over = ticket(shop_a, [(shop_a.tomatoes, 19_000)])  # 19 kg × 0,60 € = 11,40 €
    lot_receive(store=shop_a.store, product=shop_a.pasta, quantity=200, actor=None)
    over = ticket(shop_a, [(shop_a.pasta, 130)])  # 39 € more: 51 € for a 50 € budget
    send(till_a, over)
    assert kinds(over["id"]) == ["budget_exceeded"]
    details = Anomaly.objects.get(ticket_id=over["id"]).details
    assert details["spent_cents"] == 5100 and details["budget_cents"] == 5000


def test_a_price_that_differs_from_todays_rules_is_flagged(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 2)], rate_bp=5000)
    send(till_a, body)
    assert kinds(body["id"]) == ["price_mismatch"]
    details = Anomaly.objects.get(ticket_id=body["id"]).details
    assert details == {"sold_cents": 75, "expected_cents": 30, "rate_bp": 2000}


def test_a_customer_without_card_pays_the_full_price(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 2)], household=None)
    send(till_a, body)
    assert kinds(body["id"]) == []
    cheap = ticket(shop_a, [(shop_a.pasta, 2)], household=None, rate_bp=2000)
    send(till_a, cheap)
    assert kinds(cheap["id"]) == ["price_mismatch"]


def test_selling_from_a_lot_past_its_dlc_is_flagged(shop_a, till_a):
    lot_receive(
        store=shop_a.store,
        product=shop_a.milk,
        quantity=5,
        actor=None,
        dlc=timezone.localdate() - timedelta(days=1),
        received_at=timezone.now() - timedelta(days=10),  # came in fresh, expired since
    )
    body = ticket(shop_a, [(shop_a.milk, 2)])
    send(till_a, body)
    assert kinds(body["id"]) == ["dlc_passed"]


def test_a_line_a_manager_allowed_at_the_till_is_flagged_with_their_name(world, shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 1), (shop_a.milk, 2)])
    alice = world.store_a.memberships.get(user=world.alice)
    body["lines"][1]["authorized_by"] = alice.pk
    assert send(till_a, body)[0]["status"] == "created"
    anomaly = Anomaly.objects.get(ticket_id=body["id"])
    assert anomaly.kind == "dlc_passed" and anomaly.line_position == 2
    assert "autorisé à la caisse par le responsable" in anomaly.message
    assert world.alice.first_name in anomaly.message or world.alice.username in anomaly.message
    assert anomaly.details["authorized_by"] == alice.pk
    bob = world.store_a.memberships.get(user=world.bob)
    other = ticket(shop_a, [(shop_a.pasta, 1)])
    other["lines"][0]["authorized_by"] = bob.pk
    send(till_a, other)
    assert "qui n'est pas responsable" in Anomaly.objects.get(ticket_id=other["id"]).message


def test_an_unknown_cashier_and_an_unknown_refunded_ticket_are_flagged(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, -1)], refund_of=str(uuid.uuid4()), cashier_id=99999)
    send(till_a, body)
    assert kinds(body["id"]) == ["cashier_unknown", "refund_original_unknown"]
    assert stock(shop_a.pasta) == 51


def test_more_than_100_tickets_is_refused_whole(shop_a, till_a):
    body = ticket(shop_a, [(shop_a.pasta, 1)])
    response = till_a.post("tickets", {"tickets": [body] * 101})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_tickets"
    assert not Ticket.objects.exists()
    assert QuarantinedPayload.objects.get().kind == "batch"


@pytest.mark.parametrize(
    "body", [{}, {"tickets": []}, {"tickets": {}}, [], {"tickets": [], "x": 1}]
)
def test_a_malformed_envelope_is_a_400_kept_in_quarantine(shop_a, till_a, body):
    response = till_a.post("tickets", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert QuarantinedPayload.objects.filter(kind="batch").count() == 1


def test_replaying_a_batch_writes_nothing(shop_a, till_a, django_assert_max_num_queries):
    batch = [ticket(shop_a, [(shop_a.pasta, 1)]) for _ in range(10)]
    send(till_a, *batch)
    with django_assert_max_num_queries(3):
        results = send(till_a, *batch)
    assert {r["status"] for r in results} == {"duplicate"}


def test_going_over_a_monthly_quota_is_flagged(shop_a, till_a):
    from cabas.gestion.beneficiaries.services import quota_save

    quota_save(
        store=shop_a.store,
        actor=None,
        data={"product": shop_a.milk, "label": "Lait", "base_quantity": 3},
    )
    first = ticket(shop_a, [(shop_a.milk, 2)])
    send(till_a, first)
    assert kinds(first["id"]) == []
    second = ticket(shop_a, [(shop_a.milk, 2), (shop_a.pasta, 1)])
    send(till_a, second)
    assert kinds(second["id"]) == ["quota_exceeded"]
    details = Anomaly.objects.get(ticket_id=second["id"]).details
    assert details["already_bought"] == 2 and details["in_cart"] == 2


def test_a_payload_with_nul_characters_is_quarantined_not_a_server_error(db) -> None:
    """PostgreSQL cannot store NUL in text or jsonb: found by schemathesis (a body of b"\\x00")."""
    from cabas.gestion.sales.models import QuarantinedPayload
    from cabas.gestion.sales.services import quarantine_payload
    from tests.conftest import make_world
    from tests.gestion.pos.conftest import enroll_till

    world = make_world()
    device = enroll_till(world.store_a).device
    row = quarantine_payload(
        device=device,
        kind=QuarantinedPayload.Kind.TICKET,
        raw='\x00{"id": "a\x00b"}',
        reason="invalid",
        message="bad\x00",
        details={"input\x00": ["x\x00"]},
        object_id="a\x00b",
    )
    row.refresh_from_db()
    assert "\x00" not in row.raw and "\\u0000" in row.raw
    assert row.details == {"input\\u0000": ["x\\u0000"]}
    assert row.object_id == "a\\u0000b"


def test_each_line_carries_its_tickets_time_till_cashier_household_and_refund(shop_a, till_a):
    sale = ticket(shop_a, [(shop_a.pasta, 3), (shop_a.tomatoes, 500)])
    send(till_a, sale)
    refund = ticket(shop_a, [(shop_a.pasta, -1)], refund_of=sale["id"], household=False)
    send(till_a, refund)
    for body in (sale, refund):
        stored = Ticket.objects.get(pk=body["id"])
        copies = set(
            TicketLine.objects.filter(ticket=stored).values_list(
                "created_at", "device_id", "cashier_id", "household_id", "refund_of"
            )
        )
        assert copies == {
            (
                stored.created_at,
                stored.device_id,
                stored.cashier_id,
                stored.household_id,
                stored.refund_of,
            )
        }
    assert TicketLine.objects.get(ticket_id=refund["id"]).refund_of == uuid.UUID(sale["id"])


def test_the_migration_fills_the_copies_of_lines_stored_before_it(shop_a, till_a):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    backfill = importlib.import_module(
        "cabas.gestion.sales.migrations.0004_ticketline_ticket_copies_backfill"
    ).backfill
    sale = ticket(shop_a, [(shop_a.pasta, 2), (shop_a.tomatoes, 300)])
    send(till_a, sale)
    refund = ticket(shop_a, [(shop_a.pasta, -1)], refund_of=sale["id"])
    send(till_a, refund)
    # Lines as an older intake left them: no copies (the time, required, set to a wrong one).
    TicketLine.objects.update(
        created_at=timezone.now() - timedelta(days=400),
        cashier=None,
        household=None,
        refund_of=None,
    )
    # The step only reads the editor's connection (SQLite refuses a schema editor in a test's
    # transaction).
    backfill(apps, SimpleNamespace(connection=connection))
    for line in TicketLine.objects.select_related("ticket"):
        t = line.ticket
        assert (line.created_at, line.device_id, line.cashier_id) == (
            t.created_at,
            t.device_id,
            t.cashier_id,
        )
        assert (line.household_id, line.refund_of) == (t.household_id, t.refund_of)
    assert TicketLine.objects.filter(refund_of=uuid.UUID(sale["id"])).count() == 1


def test_a_ticket_costs_a_handful_of_statements(shop_a, till_a):
    """A ticket's own statements, counted as the driver sends them: on PostgreSQL those whose
    results nobody reads go with the next read (the ticket and the lots it takes; then its
    stock, lines, payment and spending), elsewhere one per statement, none per line."""
    from django.db import connection

    from cabas.gestion.sales.intake import ticket_batch_ingest

    def sent(count: int) -> int:
        bodies = [ticket(shop_a, [(shop_a.pasta, 1), (shop_a.tomatoes, 200)]) for _ in range(count)]
        with statements_sent() as calls:
            results = ticket_batch_ingest(device=till_a.device, raw_tickets=bodies)
        assert {r.status for r in results} == {"created"}
        return len(calls)

    sent(1)  # warm: the shop's settings, the first reads
    one = sent(1)
    per_ticket = (sent(6) - one) / 5
    # The upsert gives the month's total back, so no read of it follows but on MariaDB.
    expected = {"postgresql": 2, "sqlite": 8, "mysql": 9}[connection.vendor]
    assert per_ticket == expected
    # Per batch: the ids already stored, products, categories, tariff, households, cashiers…
    assert one - per_ticket <= 12


@pytest.mark.parametrize("field", ["label", "barcode", "beneficiary_code"])
def test_a_nul_character_is_refused_as_invalid_and_kept_in_quarantine(shop_a, till_a, field):
    body = ticket(shop_a, [(shop_a.pasta, 1)])
    if field == "beneficiary_code":
        body[field] = "CODE\x00X"
    else:
        body["lines"][0][field] = "Pâtes\x00"  # no database stores a NUL in a text column
    results = send(till_a, body)
    assert results[0]["status"] == "rejected"
    assert results[0]["error"]["code"] == "invalid"
    assert not Ticket.objects.filter(pk=body["id"]).exists()
    kept = QuarantinedPayload.objects.get(object_id=body["id"])
    assert "\x00" not in kept.raw and kept.reason == "invalid"
