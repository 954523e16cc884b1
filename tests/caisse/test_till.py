"""The till's core with a fake view: scanning, tariffs, budget, quotas, payments, refunds."""

from __future__ import annotations

import json
import os

import pytest

from cabas.caisse.core.outbox import read_ticket_file
from cabas.protocol import dump_ticket
from cabas.rules.barcodes import encode_scale_code, lookup_code
from tests.caisse.fakes import ean


def scan_product(till, i):
    till.scan(ean(f"376000000{i:03d}"))


def test_a_wrong_pin_is_refused_offline(ctx, view):
    till = ctx.till(view)
    assert not till.sign_in(7, "0000")
    assert ("error", "Code PIN incorrect.") in view.messages
    till.scan(ean("376000000001"))
    assert till.lines == []


def test_a_scan_adds_a_line_at_full_price_without_a_card(till, view):
    scan_product(till, 3)
    scan_product(till, 3)
    summary = view.carts[-1]
    assert len(summary.lines) == 1 and summary.lines[0].quantity == 2
    assert summary.total_cents == 600 and summary.savings_cents == 0


def test_a_quantity_typed_before_the_scan_multiplies_it(till, view):
    till.scan("4*")
    scan_product(till, 2)
    assert view.carts[-1].lines[0].quantity == 4
    assert view.carts[-1].total_cents == 800


def test_an_unknown_code_says_so(till, view):
    till.scan("3760000009999")
    assert "Code inconnu" in view.texts("error")[-1]


def test_a_client_card_applies_the_households_tariff_to_every_line(till, view):
    scan_product(till, 1)  # category 1: shop rate 30 %
    scan_product(till, 2)  # category 2: 20 %
    till.scan(ean("376000000999"))  # programme product: ceiling 0 %
    till.scan("B0001")
    summary = view.carts[-1]
    assert [line.price.total_cents for line in summary.lines] == [30, 40, 0]
    assert summary.full_price_cents == 100 + 200 + 150
    assert summary.savings_cents == 450 - 70
    assert summary.client.code == "B0001"


def test_a_suspended_card_sells_at_full_price_and_warns(till, view):
    scan_product(till, 1)
    till.scan("B0002")
    assert till.client is None
    assert "droits suspendus" in view.texts("warning")[-1]


def test_a_weighed_label_is_decoded_with_the_shops_layout(till, view):
    till.scan("B0001")
    till.scan(encode_scale_code("21", "12345", 1500))
    line = view.carts[-1].lines[0]
    assert line.unit == "kg" and line.quantity == 1500
    # 2,50 €/kg full, shop rate 30 % -> 0,75 €/kg, 1,5 kg -> 1,13 € (half up)
    assert line.price.unit_price_cents == 75 and line.price.total_cents == 113


def test_a_kg_product_scanned_without_weight_asks_for_it(till, view):
    from cabas.rules.barcodes import lookup_code

    till.scan(lookup_code("21", "12345"))
    assert view.weights[-1].id == 900
    till.add_weighed(900, 400)
    assert view.carts[-1].lines[0].price.total_cents == 100


def test_lines_can_be_changed_and_removed(till, view):
    scan_product(till, 1)
    scan_product(till, 2)
    till.set_line_quantity(0, 3)
    till.remove_line(1)
    summary = view.carts[-1]
    assert [(line.product_id, line.quantity) for line in summary.lines] == [(1, 3)]


def test_search_finds_products_without_accents(till):
    assert [p.id for p in till.search("pates compl")] == [901]


def test_the_budget_counts_tickets_not_yet_acknowledged(till, view):
    till.scan("B0001")
    assert till.budget().left_cents == 2000
    scan_product(till, 5)  # 500 full, 30 % -> 150
    assert till.add_payment("cash", tendered_cents=200) is not None
    till.scan("B0001")
    assert till.budget().left_cents == 1850  # 3000 - 1000 spent - 150 waiting


def test_it_warns_before_the_sale_goes_over_budget_and_asks_at_payment(till, view):
    till.scan("B0001")
    till.scan("10*")
    scan_product(till, 5)  # 10 x 150 = 1500
    till.scan("10*")
    scan_product(till, 4)  # category 2 at 20 %: 10 x 80 = 800 -> 2300 > 2000
    assert any("dépasse le budget" in text for text in view.texts("warning"))
    view.answer = False
    assert till.add_payment("card") is None
    assert "dépasse le budget" in view.questions[-1]
    view.answer = True
    ticket = till.add_payment("card")
    assert ticket is not None and ticket.total_cents == 2300


def test_a_quota_counts_subcategories_and_waiting_tickets(till, view):
    till.scan("B0001")  # quota: 4 pieces of "Épicerie" (and its subcategories), 1 used
    till.add_weighed(900, 100)  # another category
    scan_product(till, 1)
    till.add_payment("cash")
    till.scan("B0001")
    scan_product(till, 2)  # Féculents, a subcategory: 1 + 1 + 1 = 3, fine
    assert not any("Quota" in text for text in view.texts("warning"))
    till.scan("2*")
    scan_product(till, 3)  # 3 + 2 = 5 > 4
    assert "Quota dépassé : Épicerie" in view.texts("warning")[-1]
    view.answer = False
    assert till.add_payment("cash") is None
    assert "Quota dépassé" in view.questions[-1]


YOGURT = {
    "id": 950,
    "name": "Yaourt",
    "category_id": 1,
    "barcodes": [ean("376000000950")],
    "unit": "piece",
    "price_cents": 80,
    "earliest_dlc": "2026-11-01",
}
CHEESE = {
    "id": 951,
    "name": "Fromage à la coupe",
    "category_id": 1,
    "barcodes": [lookup_code("21", "54321")],
    "unit": "kg",
    "price_cents": 1500,
    "earliest_dlc": "2026-11-11",
}


@pytest.fixture
def dlc_till(ctx, view):
    from tests.caisse.conftest import NOW
    from tests.caisse.fakes import MANAGER, make_snapshot

    ctx.store.save(make_snapshot(extra_products=[YOGURT, CHEESE], extra_cashiers=[MANAGER]))
    till = ctx.till(view, now=lambda: NOW)
    assert till.sign_in(7, "1234")
    return till


def test_a_product_past_its_dlc_is_refused_until_a_manager_allows_it(dlc_till, view, ctx):
    till = dlc_till
    till.scan(ean("376000000950"))
    assert till.lines == []
    refusal = view.texts("error")[-1]
    assert "REFUSÉ" in refusal and "Yaourt" in refusal and "01/11/2026" in refusal
    assert "F1" in refusal
    assert till.refused_product().id == 950
    # A cashier's PIN is not a manager's.
    assert not till.allow_refused("1234")
    assert till.lines == [] and "responsable incorrect" in view.texts("error")[-1]
    assert till.allow_refused("9876")
    assert [line.label for line in till.lines] == ["Yaourt"]
    assert till.lines[0].authorized_by == 8
    assert "autorisée par Alice" in view.texts("warning")[-1]
    # Allowed for this sale: scanning it again adds to the line without asking.
    till.scan(ean("376000000950"))
    assert till.lines[0].quantity == 2
    ticket = till.add_payment("cash")
    assert ticket is not None and ticket.lines[0].authorized_by == 8
    saved = json.loads(next(ctx.data.ventes.glob("*.json")).read_text())
    assert saved["lines"][0]["authorized_by"] == 8
    # The next sale starts without the permission.
    till.scan(ean("376000000950"))
    assert till.lines == [] and "REFUSÉ" in view.texts("error")[-1]


def test_a_weighed_product_past_its_dlc_is_refused_before_the_weight_is_asked(dlc_till, view):
    till = dlc_till
    till.scan(lookup_code("21", "54321"))
    assert view.weights == [] and "REFUSÉ" in view.texts("error")[-1]
    assert till.allow_refused("9876")
    assert view.weights[-1].id == 951
    till.add_weighed(951, 250)
    assert till.lines[0].quantity == 250 and till.lines[0].authorized_by == 8
    # A scale label of it, in another sale, is refused too.
    till.cancel_sale()
    till.scan(encode_scale_code("21", "54321", 300))
    assert till.lines == [] and "REFUSÉ" in view.texts("error")[-1]


def test_nothing_to_allow_says_so(dlc_till, view):
    assert not dlc_till.allow_refused("9876")
    assert "Aucun article refusé" in view.texts("warning")[-1]


def test_every_message_of_a_scan_reaches_the_view(dlc_till, view):
    """The DLC note and a quota warning of the same scan are both sent (the window lists
    them; neither replaces the other)."""
    till = dlc_till
    till.scan("B0001")  # quota: 4 pieces of "Épicerie", 1 used
    till.scan("3*")
    scan_product(till, 1)
    till.scan(ean("376000000950"))
    assert till.allow_refused("9876")
    before = len(view.messages)
    till.scan(ean("376000000950"))
    texts = [text for _level, text in view.messages[before:]]
    assert any("autorisée par Alice" in text for text in texts), texts
    assert any("Quota dépassé" in text for text in texts), texts


def test_the_search_list_can_show_what_the_client_pays(till):
    product = till.catalog.products[1]
    assert till.client_unit_price(product) == 100  # no card: the full price
    till.scan("B0001")
    assert till.client_unit_price(product) == 30  # the shop's rate, 30 %


def test_signing_out_with_a_cart_open_speaks_of_the_cashier_not_of_closing(till, view):
    scan_product(till, 1)
    till.sign_out()
    assert till.cashier is not None
    assert view.texts("error")[-1] == "Terminez ou annulez la vente avant de changer de caissier."


def test_a_client_already_over_budget_is_a_warning(ctx, server, view):
    from tests.caisse.conftest import NOW
    from tests.caisse.fakes import make_snapshot

    snapshot = make_snapshot()
    data = snapshot.model_dump(mode="json")
    data["beneficiaries"][0]["spent_cents"] = 3500  # budget 3000
    ctx.store.save(type(snapshot).model_validate(data))
    till = ctx.till(view, now=lambda: NOW)
    till.sign_in(7, "1234")
    till.scan("B0001")
    level, text = view.messages[-1]
    assert level == "warning" and "déjà dépassé de 5,00" in text, (level, text)


def test_payment_in_several_methods_gives_change_and_writes_the_ticket_first(till, view, ctx):
    scan_product(till, 5)
    scan_product(till, 3)  # 800
    assert till.add_payment("card", 300) is None
    ticket = till.add_payment("cash", tendered_cents=1000)
    assert ticket is not None
    assert [(p.method, p.amount_cents) for p in ticket.payments] == [("card", 300), ("cash", 500)]
    assert ticket.change_cents == 500
    path = ctx.data.ventes / f"{ticket.id}.json"
    assert json.loads(path.read_text()) == dump_ticket(ticket)
    assert read_ticket_file(path) == ticket
    assert view.paid[-1][0] == ticket
    assert "Rendu" in view.paid[-1][1].text
    assert till.lines == []


def test_cash_typed_above_what_remains_is_the_sum_handed_over(till, view):
    scan_product(till, 5)
    scan_product(till, 3)  # 800
    assert till.summary().change_cents("cash", 1000) == 200
    assert till.summary().change_cents("card", 1000) == 0
    assert till.pay("card", 300) is None  # part of it by card
    assert till.summary().change_cents("cash", 1000) == 500
    ticket = till.pay("cash", 1000)
    assert ticket is not None and ticket.change_cents == 500
    assert [(p.method, p.amount_cents, p.tendered_cents) for p in ticket.payments] == [
        ("card", 300, None),
        ("cash", 500, 1000),
    ]
    scan_product(till, 1)
    assert till.pay("cheque") is not None  # Entrée alone: what remains


def test_a_disk_error_means_the_sale_is_not_confirmed(till, view, ctx, monkeypatch):
    scan_product(till, 1)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cabas.caisse.core.outbox.atomic_write_bytes", broken)
    assert till.add_payment("cash") is None
    assert view.paid == []
    assert "PAS validée" in view.texts("error")[-1]
    assert len(till.lines) == 1 and till.payments == []
    assert os.listdir(ctx.data.ventes) == []


def test_the_receipt_shows_the_savings_of_a_beneficiary(till, view):
    till.scan("B0001")
    scan_product(till, 5)
    till.add_payment("cash")
    receipt = view.paid[-1][1]
    assert receipt.savings_cents == 350
    assert "économisé" in receipt.text and "3,50 EUR" in receipt.text


def test_a_past_ticket_line_can_be_refunded_once(till, view):
    till.scan("B0001")
    till.scan("2*")
    scan_product(till, 5)
    sale = till.add_payment("cash")
    original = till.find_ticket(str(sale.id)[:8])
    assert original == sale
    refund = till.refund(original, {0: 1})
    assert refund.refund_of == sale.id and refund.total_cents == -150
    assert refund.beneficiary_code == "B0001"
    assert refund.payments[0].amount_cents == -150
    assert till.refund(original, {0: 2}) is None
    assert "que 1 de plus" in view.texts("error")[-1]


def test_status_shows_waiting_tickets_and_the_age_of_prices(till):
    scan_product(till, 1)
    till.add_payment("cash")
    status = till.status()
    assert status.waiting == 1
    assert status.prices_text() == "prix du 12/11 à 9 h 05"


def test_closing_the_session_with_tickets_waiting_asks_first(till, view, ctx, server):
    assert till.open_session(5000) is not None
    scan_product(till, 2)
    till.add_payment("cash", tendered_cents=500)
    scan_product(till, 1)
    till.add_payment("card")
    view.answer = False
    assert till.close_session({"cash": 5200, "card": 100}) is None
    assert "pas encore été envoyés" in view.questions[-1]
    view.answer = True
    report = till.close_session({"cash": 5150, "card": 100})
    assert report.difference_cents == -50
    assert {a.method: a.amount_cents for a in report.expected} == {"cash": 5200, "card": 100}
    assert report.ticket_count == 2
    lines = ctx.sessions.summary(report)
    assert lines[0].strip() == "RAPPORT Z (clôture)"
    agent = ctx.agent()
    agent.run_once()
    assert server.sessions[str(report.id)].is_closed


@pytest.mark.parametrize("code", ["", "   "])
def test_an_empty_scan_does_nothing(till, view, code):
    till.scan(code)
    assert till.lines == []


def _with_quotas(snapshot):
    from cabas.protocol import Snapshot

    data = snapshot.model_dump(mode="json")
    data["quotas"] = [
        {"id": 1, "label": "Produit 1", "scope": "product", "target_id": 1},
        {"id": 2, "label": "Fruits", "scope": "category", "target_id": 3, "unit": "kg"},
    ]
    client = data["beneficiaries"][0]
    client["quotas"] = []
    client["quota_limits"] = [
        {"quota_id": 1, "limit_qty": 3, "used_qty": 1},
        {"quota_id": 2, "limit_qty": 2000, "used_qty": 500},
    ]
    return Snapshot.model_validate(data)


def test_a_product_quota_and_a_kg_quota_count_waiting_tickets_in_their_units(ctx, server, view):
    from tests.caisse.conftest import NOW

    ctx.store.save(_with_quotas(server.snapshot_value), fetched_at=NOW)
    till = ctx.till(view, now=lambda: NOW)
    assert till.sign_in(7, "1234")
    till.scan("B0001")
    till.add_weighed(900, 1000)  # Fruits: 500 g counted by the server + 1 kg = 1.5 kg of 2
    scan_product(till, 1)  # Produit 1: 1 + 1 of 3
    assert not any("Quota" in text for text in view.texts("warning"))
    assert till.add_payment("cash") is not None  # waits in the outbox, not acknowledged
    till.scan("B0001")
    scan_product(till, 1)  # 1 + 1 waiting + 1 = 3: still fine
    assert not any("Quota" in text for text in view.texts("warning"))
    till.add_weighed(900, 600)  # 500 g + 1 kg waiting + 600 g = 2.1 kg > 2 kg
    assert "Quota dépassé : Fruits, 2\u00a0kg par mois" in view.texts("warning")[-1]
    assert "déjà 1,5\u00a0kg ce mois-ci" in view.texts("warning")[-1]
    scan_product(till, 1)  # 1 + 1 waiting + 2 = 4 > 3
    assert any("Quota dépassé : Produit 1, 3 par mois" in t for t in view.texts("warning"))
    view.answer = False
    assert till.add_payment("cash") is None
    assert "Produit 1" in view.questions[-1] and "Fruits" in view.questions[-1]


def test_local_data_written_before_the_quotas_asks_for_a_full_snapshot(ctx, server):
    from cabas.caisse.core import store as local

    assert ctx.store.resume_cursor() == server.snapshot_value.cursor
    saved = local.STORE_FORMAT
    try:
        local.STORE_FORMAT = 1  # as the previous till version wrote it
        ctx.store.save(server.snapshot_value)
    finally:
        local.STORE_FORMAT = saved
    assert ctx.store.resume_cursor() is None
    assert ctx.store.load() is not None  # still readable, still sells
