from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

from cabas.protocol import Ticket, canonical_json, dump_ticket, parse_ticket, ticket_fingerprint


def _round_trip(ticket: Ticket) -> Ticket:
    """What the server holds after the till wrote the ticket file and sent it."""
    return parse_ticket(json.loads(ticket.model_dump_json()))


class TestTicketFingerprint:
    def test_it_survives_a_json_round_trip(self, sale_payload):
        ticket = parse_ticket(sale_payload())
        assert ticket_fingerprint(_round_trip(ticket)) == ticket_fingerprint(ticket)

    def test_the_till_and_the_server_agree_on_a_ticket_built_from_python_values(self, sale_payload):
        payload = sale_payload()
        payload["id"] = UUID(payload["id"])
        paris = timezone(timedelta(hours=2))
        payload["created_at"] = datetime(2024, 5, 1, 10, 30, 0, 123456, tzinfo=paris)
        built_by_the_till = Ticket.model_validate(payload)
        received = _round_trip(built_by_the_till)
        assert canonical_json(received) == canonical_json(built_by_the_till)

    def test_it_is_the_lower_case_sha256_of_the_canonical_json(self, sale_payload):
        ticket = parse_ticket(sale_payload())
        assert ticket_fingerprint(ticket) == hashlib.sha256(canonical_json(ticket)).hexdigest()

    def test_it_is_pinned_so_that_both_sides_stay_in_step(self, sale_payload):
        # Changing the canonical form turns every resent ticket into an id_conflict: if this
        # value has to change, the protocol version has to change too.
        assert ticket_fingerprint(parse_ticket(sale_payload())) == (
            "49ab76fb274014328813c1dd351d44884c2d6aaea5963ac88929d03c3fc75e25"
        )

    def test_the_canonical_json_is_sorted_and_compact_and_leaves_nulls_out(self, refund_payload):
        assert (
            canonical_json(parse_ticket(refund_payload()))
            == (
                '{"beneficiary_code":"B-0042","cashier_id":2,'
                '"created_at":"2024-05-02T09:00:00+02:00","id":"0b7d4b0c-3f0e-4d43-a6a5-5d0e9f1d2c33",'
                '"lines":[{"barcode":"3017620422003","full_price_cents":-200,'
                '"label":"Lait demi-écrémé 1 L","product_id":12,"quantity":-2,"total_cents":-100,'
                '"unit":"piece","unit_price_cents":50}],'
                '"payments":[{"amount_cents":-100,"method":"cash"}],'
                '"refund_of":"6f1c1b1e-8a55-4c1e-9d8e-2b8f3c0a7d11","total_cents":-100}'
            ).encode()
        )

    def test_it_keeps_the_offset_as_sent(self, sale_payload):
        in_paris = parse_ticket(sale_payload(created_at="2024-05-01T10:30:00+02:00"))
        in_utc = parse_ticket(sale_payload(created_at="2024-05-01T08:30:00+00:00"))
        assert in_paris.created_at == in_utc.created_at  # the same instant…
        assert ticket_fingerprint(in_paris) != ticket_fingerprint(in_utc)  # …not the same ticket

    def test_z_and_plus_zero_are_the_same_offset(self, sale_payload):
        with_z = parse_ticket(sale_payload(created_at="2024-05-01T08:30:00Z"))
        with_offset = parse_ticket(sale_payload(created_at="2024-05-01T08:30:00+00:00"))
        built = Ticket.model_validate(
            sale_payload(created_at=datetime(2024, 5, 1, 8, 30, tzinfo=UTC))
        )
        assert ticket_fingerprint(with_z) == ticket_fingerprint(with_offset)
        assert ticket_fingerprint(built) == ticket_fingerprint(with_z)

    def test_null_and_missing_optional_fields_fingerprint_alike(self, sale_payload):
        explicit = sale_payload(refund_of=None, beneficiary_code=None)
        missing = sale_payload()
        del missing["refund_of"], missing["beneficiary_code"]
        assert ticket_fingerprint(parse_ticket(explicit)) == ticket_fingerprint(
            parse_ticket(missing)
        )

    def test_the_case_of_the_id_does_not_matter(self, sale_payload):
        upper = sale_payload(id=sale_payload()["id"].upper())
        assert ticket_fingerprint(parse_ticket(upper)) == ticket_fingerprint(
            parse_ticket(sale_payload())
        )

    def test_other_content_gives_another_fingerprint(self, sale_payload):
        original = parse_ticket(sale_payload())
        payload = sale_payload()
        payload["lines"][1]["label"] = "Lait entier 1 L"
        assert ticket_fingerprint(parse_ticket(payload)) != ticket_fingerprint(original)

    def test_the_order_of_keys_as_sent_does_not_matter(self, sale_payload):
        payload = sale_payload()
        reversed_payload = dict(reversed(list(payload.items())))
        assert ticket_fingerprint(parse_ticket(reversed_payload)) == ticket_fingerprint(
            parse_ticket(payload)
        )

    def test_the_ticket_file_gives_the_same_fingerprint(self, sale_payload):
        ticket = parse_ticket(sale_payload())
        from_file = parse_ticket(json.loads(json.dumps(dump_ticket(ticket), ensure_ascii=False)))
        assert ticket_fingerprint(from_file) == ticket_fingerprint(ticket)
