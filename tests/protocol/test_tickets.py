from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cabas.protocol import (
    MAX_TICKETS_PER_BATCH,
    RECEIPT_NUMBER_LENGTH,
    PayloadInvalid,
    Ticket,
    TicketBatch,
    TicketInvalid,
    TicketLine,
    TicketResult,
    dump_ticket,
    error_info,
    parse_ticket,
    parse_ticket_batch,
    raw_ticket_id,
    receipt_number,
    receipt_number_digits,
)
from cabas.rules.money import line_total_cents


def _line(**overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "label": "Riz 1 kg",
        "quantity": 1,
        "unit": "piece",
        "unit_price_cents": 40,
        "full_price_cents": 160,
        "total_cents": 40,
    }
    line.update(overrides)
    return line


def _invalid(raw: Any) -> TicketInvalid:
    with pytest.raises(TicketInvalid) as caught:
        parse_ticket(raw)
    return caught.value


class TestSale:
    def test_it_accepts_a_valid_sale(self, sale_payload):
        ticket = parse_ticket(sale_payload())

        assert str(ticket.id) == sale_payload()["id"]
        assert ticket.total_cents == 469
        assert not ticket.is_refund
        assert [line.unit for line in ticket.lines] == ["kg", "piece"]
        assert ticket.created_at.utcoffset().total_seconds() == 2 * 3600

    def test_it_gives_the_change_of_cash_payments(self, sale_payload):
        assert parse_ticket(sale_payload()).change_cents == 531

    def test_it_accepts_a_sale_paid_several_ways(self, sale_payload):
        payments = [
            {"method": "voucher", "amount_cents": 200},
            {"method": "card", "amount_cents": 269},
        ]
        assert parse_ticket(sale_payload(payments=payments)).change_cents == 0

    def test_it_accepts_a_free_sale_without_any_payment(self, sale_payload):
        free = _line(label="Conserve (programme)", unit_price_cents=0, total_cents=0)
        ticket = parse_ticket(sale_payload(lines=[free], payments=[], total_cents=0))
        assert ticket.payments == []

    def test_it_accepts_a_free_sale_with_a_zero_payment(self, sale_payload):
        free = _line(unit_price_cents=0, total_cents=0)
        payments = [{"method": "cash", "amount_cents": 0}]
        assert parse_ticket(sale_payload(lines=[free], payments=payments, total_cents=0))

    def test_it_accepts_a_line_without_product_nor_barcode(self, sale_payload):
        line = _line(product_id=None, barcode=None, label="Divers")
        payments = [{"method": "card", "amount_cents": 40}]
        assert parse_ticket(sale_payload(lines=[line], payments=payments, total_cents=40))

    def test_missing_optional_fields_default_to_null(self, sale_payload):
        payload = sale_payload()
        for key in ("cashier_id", "beneficiary_code", "cash_session_id", "refund_of"):
            del payload[key]
        ticket = parse_ticket(payload)
        assert ticket.cashier_id is None and ticket.refund_of is None


class TestWeighedLines:
    @pytest.mark.parametrize(
        ("grams", "price_per_kilo", "total"),
        [
            (1234, 299, 369),  # 368.966 cents
            (500, 199, 100),  # 99.5 cents: half rounds up
            (1, 499, 0),  # 0.499 cents
            (1000, 1234, 1234),
        ],
    )
    def test_it_rounds_a_weighed_line_as_the_money_rules_do(self, grams, price_per_kilo, total):
        line = TicketLine.model_validate(
            _line(
                unit="kg",
                quantity=grams,
                unit_price_cents=price_per_kilo,
                full_price_cents=total,
                total_cents=total,
            )
        )
        assert line.total_cents == line_total_cents(grams, price_per_kilo, "kg") == total

    def test_it_rejects_a_weighed_line_rounded_down(self, sale_payload):
        payload = sale_payload()
        payload["lines"][0]["total_cents"] = 368
        error = _invalid(payload)
        assert "ne correspond pas à la quantité × le prix unitaire (3,69" in error.message
        assert error.details["errors"][0]["loc"] == ["lines", 0]
        assert error.details["errors"][0]["type"] == "line_total_mismatch"

    def test_it_rejects_a_weighed_line_priced_as_if_per_gram(self, sale_payload):
        payload = sale_payload()
        payload["lines"][0].update(total_cents=1234 * 299, full_price_cents=1234 * 299)
        assert _invalid(payload).details["errors"][0]["type"] == "line_total_mismatch"


class TestRefund:
    def test_it_accepts_a_refund_with_negative_quantities_totals_and_payments(self, refund_payload):
        ticket = parse_ticket(refund_payload())
        assert ticket.is_refund
        assert ticket.total_cents == -100
        assert ticket.lines[0].quantity == -2

    def test_a_weighed_refund_mirrors_the_sale(self, refund_payload):
        line = _line(unit="kg", quantity=-1234, unit_price_cents=299)
        line.update(total_cents=-369, full_price_cents=-1476)
        payments = [{"method": "card", "amount_cents": -369}]
        assert parse_ticket(refund_payload(lines=[line], payments=payments, total_cents=-369))

    def test_it_rejects_a_refund_with_a_positive_quantity(self, refund_payload):
        payments = [{"method": "cash", "amount_cents": 40}]
        error = _invalid(refund_payload(lines=[_line()], payments=payments, total_cents=40))
        assert error.message == (
            "Ticket invalide : Ligne 1 : un remboursement a des quantités négatives."
        )

    def test_it_rejects_a_refund_paid_with_a_positive_payment(self, refund_payload):
        payments = [
            {"method": "cash", "amount_cents": -150},
            {"method": "card", "amount_cents": 50},
        ]
        error = _invalid(refund_payload(payments=payments))
        assert "Paiement 2 : un remboursement a des paiements négatifs" in error.message

    def test_it_rejects_a_tendered_amount_on_a_refund(self, refund_payload):
        payments = [{"method": "cash", "amount_cents": -100, "tendered_cents": 0}]
        assert "somme remise" in _invalid(refund_payload(payments=payments)).message

    def test_it_rejects_a_sale_with_a_negative_quantity(self, sale_payload):
        line = _line(quantity=-1, total_cents=-40, full_price_cents=-160)
        payments = [{"method": "cash", "amount_cents": -40}]
        error = _invalid(sale_payload(lines=[line], payments=payments, total_cents=-40))
        assert "une vente a des quantités positives" in error.message

    def test_it_rejects_a_refund_of_itself(self, refund_payload):
        error = _invalid(refund_payload(refund_of=refund_payload()["id"]))
        assert "ne peut pas se rembourser lui-même" in error.message


class TestTotals:
    def test_it_rejects_lines_that_do_not_add_up_to_the_total_with_a_french_message(
        self, sale_payload
    ):
        error = _invalid(sale_payload(total_cents=470))
        assert error.code == "invalid"
        assert error.message == (
            "Ticket invalide : Le total du ticket (4,70\u00a0€) ne correspond pas à la somme "
            "des lignes (4,69\u00a0€)."
        )

    def test_it_rejects_payments_that_do_not_add_up_to_the_total(self, sale_payload):
        payments = [{"method": "card", "amount_cents": 400}]
        error = _invalid(sale_payload(payments=payments))
        assert error.message == (
            "Ticket invalide : Les paiements (4,00\u00a0€) ne correspondent pas au total du "
            "ticket (4,69\u00a0€)."
        )

    def test_it_rejects_a_full_price_below_what_was_paid(self, sale_payload):
        payload = sale_payload()
        payload["lines"][1]["full_price_cents"] = 99
        assert "prix plein de la ligne" in _invalid(payload).message

    def test_it_rejects_a_zero_quantity(self, sale_payload):
        line = _line(quantity=0, total_cents=0, full_price_cents=0)
        error = _invalid(sale_payload(lines=[line], payments=[], total_cents=0))
        assert "La quantité d'une ligne ne peut pas être nulle" in error.message

    def test_it_rejects_a_tendered_amount_below_the_cash_payment(self, sale_payload):
        payments = [{"method": "cash", "amount_cents": 469, "tendered_cents": 400}]
        assert "La somme remise" in _invalid(sale_payload(payments=payments)).message

    def test_it_rejects_a_tendered_amount_on_a_card_payment(self, sale_payload):
        payments = [{"method": "card", "amount_cents": 469, "tendered_cents": 500}]
        error = _invalid(sale_payload(payments=payments))
        assert "Seul un paiement en espèces" in error.message


class TestShape:
    def test_it_rejects_an_unknown_field_on_a_ticket(self, sale_payload):
        error = _invalid(sale_payload(discount_cents=10))
        assert error.message == "Ticket invalide : discount_cents : champ inconnu."
        assert error.details["errors"][0]["type"] == "extra_forbidden"

    def test_it_rejects_an_unknown_field_on_a_line(self, sale_payload):
        payload = sale_payload()
        payload["lines"][1]["vat_rate"] = 550
        assert _invalid(payload).message == "Ticket invalide : ligne 2, vat_rate : champ inconnu."

    def test_it_rejects_a_naive_datetime(self, sale_payload):
        error = _invalid(sale_payload(created_at="2024-05-01T10:30:00"))
        assert error.details["errors"][0]["type"] == "timezone_aware"
        assert "décalage horaire" in error.message

    def test_it_rejects_a_unix_timestamp(self, sale_payload):
        error = _invalid(sale_payload(created_at=1714552200))
        assert "ISO 8601" in error.message

    def test_it_accepts_utc_written_with_a_z(self, sale_payload):
        ticket = parse_ticket(sale_payload(created_at="2024-05-01T08:30:00Z"))
        assert ticket.created_at.utcoffset().total_seconds() == 0

    @pytest.mark.parametrize("value", ["469", 469.0, True])
    def test_it_rejects_cents_that_are_not_integers(self, sale_payload, value):
        error = _invalid(sale_payload(total_cents=value))
        assert error.details["errors"][0]["loc"] == ["total_cents"]

    def test_it_rejects_an_unknown_payment_method(self, sale_payload):
        payments = [{"method": "bitcoin", "amount_cents": 469}]
        assert (
            "paiement 1, method : valeur non autorisée"
            in _invalid(sale_payload(payments=payments)).message
        )

    def test_it_rejects_a_line_without_unit(self, sale_payload):
        payload = sale_payload()
        del payload["lines"][0]["unit"]
        assert _invalid(payload).message == (
            "Ticket invalide : ligne 1, unit : champ obligatoire absent."
        )

    def test_it_rejects_a_ticket_without_lines(self, sale_payload):
        error = _invalid(sale_payload(lines=[], payments=[], total_cents=0))
        assert "lines : liste trop courte" in error.message

    def test_it_rejects_more_than_200_lines(self, sale_payload):
        lines = [_line()] * 201
        payments = [{"method": "card", "amount_cents": 40 * 201}]
        error = _invalid(sale_payload(lines=lines, payments=payments, total_cents=40 * 201))
        assert "lines : liste trop longue (au plus 200 éléments)" in error.message

    def test_it_rejects_more_than_10_payments(self, sale_payload):
        payments = [{"method": "voucher", "amount_cents": 0}] * 10
        payments.append({"method": "cash", "amount_cents": 469})
        assert "payments : liste trop longue" in _invalid(sale_payload(payments=payments)).message

    def test_it_rejects_a_label_longer_than_200_characters(self, sale_payload):
        payload = sale_payload()
        payload["lines"][1]["label"] = "x" * 201
        assert "texte trop long (au plus 200 caractères)" in _invalid(payload).message

    @pytest.mark.parametrize("raw", [None, [], "ticket", 42])
    def test_it_rejects_a_ticket_that_is_not_an_object(self, raw):
        assert _invalid(raw).message == "Ticket invalide : un objet JSON est attendu."

    def test_it_summarises_many_errors_with_a_count(self, sale_payload):
        payload = sale_payload(a=1, b=2, c=3, d=4, e=5)
        assert _invalid(payload).message.endswith("(et 2 autre(s) erreur(s)).")

    def test_the_error_details_are_json_serialisable(self, sale_payload):
        error = _invalid(sale_payload(total_cents="x", created_at="hier", lines=[{}]))
        info = error.error_info()
        assert json.loads(json.dumps(info.model_dump(mode="json")))["code"] == "invalid"
        assert all("message" in entry for entry in info.details["errors"])

    def test_a_ticket_is_immutable(self, sale_payload):
        ticket = parse_ticket(sale_payload())
        with pytest.raises(ValueError, match="frozen"):
            ticket.total_cents = 0  # type: ignore[misc]


class TestRawTicketId:
    def test_it_normalises_a_uuid(self, sale_payload):
        upper = sale_payload()["id"].upper()
        assert raw_ticket_id({"id": upper}) == sale_payload()["id"]

    def test_it_keeps_a_malformed_id_as_sent_but_short(self):
        assert raw_ticket_id({"id": "pas-un-uuid"}) == "pas-un-uuid"
        assert raw_ticket_id({"id": "x" * 500}) == "x" * 100

    @pytest.mark.parametrize("raw", [{}, {"id": 12}, None, ["id"]])
    def test_it_gives_none_without_a_string_id(self, raw):
        assert raw_ticket_id(raw) is None


class TestBatch:
    def test_a_malformed_ticket_does_not_fail_its_batch(self, sale_payload, refund_payload):
        batch = parse_ticket_batch(
            {"tickets": [sale_payload(), {"id": "abc", "lines": "?"}, refund_payload(), 7]}
        )
        results = []
        for raw in batch.tickets:
            try:
                parse_ticket(raw)
            except TicketInvalid as exc:
                results.append(
                    TicketResult(id=raw_ticket_id(raw), status="rejected", error=exc.error_info())
                )
            else:
                results.append(TicketResult(id=raw_ticket_id(raw), status="created"))
        assert [(r.id, r.status) for r in results] == [
            (sale_payload()["id"], "created"),
            ("abc", "rejected"),
            (refund_payload()["id"], "created"),
            (None, "rejected"),
        ]

    def test_it_refuses_more_than_100_tickets_with_its_own_code(self, sale_payload):
        with pytest.raises(PayloadInvalid) as caught:
            parse_ticket_batch({"tickets": [sale_payload()] * (MAX_TICKETS_PER_BATCH + 1)})
        assert caught.value.code == "too_many_tickets"
        assert caught.value.error_info().message.startswith("Un envoi ne peut pas contenir")

    @pytest.mark.parametrize(
        "raw", [{"tickets": []}, {"tickets": {}}, {}, [], {"tickets": [{}], "more": 1}]
    )
    def test_it_refuses_a_malformed_envelope_as_invalid(self, raw):
        with pytest.raises(PayloadInvalid) as caught:
            parse_ticket_batch(raw)
        assert caught.value.code == "invalid"
        assert caught.value.message.startswith("Envoi de tickets invalide")

    def test_the_till_builds_a_batch_from_its_tickets(self, sale_payload, refund_payload):
        tickets = [parse_ticket(sale_payload()), parse_ticket(refund_payload())]
        body = TicketBatch.of(tickets).model_dump_json()
        received = parse_ticket_batch(json.loads(body))
        assert [parse_ticket(raw) for raw in received.tickets] == tickets

    def test_a_ticket_file_holds_exactly_the_ticket_object(self, sale_payload):
        ticket = parse_ticket(sale_payload())
        text = json.dumps(dump_ticket(ticket))
        assert Ticket.model_validate_json(text) == ticket

    def test_a_rejected_result_carries_an_error(self):
        result = TicketResult(id="x", status="rejected", error=error_info("id_conflict"))
        assert result.model_dump(mode="json")["error"]["code"] == "id_conflict"


def test_a_time_in_an_implausible_year_is_refused_in_french() -> None:
    """Found by schemathesis: year 1 with a +00:02 offset cannot even be converted to UTC."""
    import pytest

    from cabas.protocol import CashSessionInvalid, parse_cash_session

    with pytest.raises(CashSessionInvalid) as caught:
        parse_cash_session(
            {
                "id": "cd613e30-d8f1-2adf-91b7-584a2265b1f5",
                "opened_at": "0001-01-01T00:01:00+00:02",
                "opening_float_cents": 100,
            }
        )
    assert "invraisemblables" in str(caught.value.message)


@given(st.uuids())
def test_a_receipt_number_is_the_start_of_its_ticket_id(ticket_id: UUID) -> None:
    number = receipt_number(ticket_id)
    assert len(number) == RECEIPT_NUMBER_LENGTH
    assert str(ticket_id).startswith(number)
    assert receipt_number_digits(f"Ticket {number.upper()}") == number
    assert receipt_number_digits(str(ticket_id)) == ticket_id.hex


@pytest.mark.parametrize("text", ["", "abc", "12 3", "ghij1234", "0" * 33, "3f2a-9c1é"])
def test_a_receipt_number_is_4_to_32_hex_digits(text: str) -> None:
    assert receipt_number_digits(text) is None


def test_a_line_without_a_managers_permission_is_sent_as_before():
    """`authorized_by` is left out when unset: a server older than the field still accepts
    the tickets that do not use it (it refuses unknown fields)."""
    ticket = Ticket.model_validate(
        {
            "id": "9b2f6c1e-0000-4000-8000-000000000001",
            "created_at": "2026-11-12T10:30:00+01:00",
            "lines": [_line(), _line(authorized_by=8)],
            "payments": [{"method": "cash", "amount_cents": 80}],
            "total_cents": 80,
        }
    )
    plain, allowed = dump_ticket(ticket)["lines"]
    assert "authorized_by" not in plain and allowed["authorized_by"] == 8
    assert parse_ticket(dump_ticket(ticket)) == ticket
    with pytest.raises(ValueError):
        TicketLine.model_validate(_line(authorized_by=0))
