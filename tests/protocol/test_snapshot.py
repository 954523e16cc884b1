from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from cabas.protocol import EnrollResponse, Snapshot


def _snapshot(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cursor": "c2:1714552200:981",
        "generated_at": "2024-05-01T10:30:00+02:00",
        "full": True,
        "store": {"slug": "demo", "name": "Épicerie solidaire Demo", "timezone": "Europe/Paris"},
        "tariff": {
            "shop_rate_bp": 2500,
            "category_rates_bp": {"3": 1000},
            "product_rates_bp": {"12": 3000},
            "origin_ceilings_bp": {"programme:ue-fead": 0},
        },
        "scale_layout": {
            "weight_prefixes": ["21", "22"],
            "reference_digits": 4,
            "price_check_digit": True,
        },
        "categories": [{"id": 3, "name": "Épicerie", "parent_id": None}],
        "products": [
            {
                "id": 12,
                "name": "Lait demi-écrémé 1 L",
                "category_id": 3,
                "barcodes": ["3017620422003"],
                "unit": "piece",
                "price_cents": 100,
                "stock_qty": 48,
                "active": True,
                "origin": "purchase",
                "rate_bp": None,
                "earliest_dlc": "2024-05-20",
            }
        ],
        "beneficiaries": [
            {
                "code": "B-0042",
                "label": "Martin F.",
                "status": "active",
                "budget_cents": 6000,
                "spent_cents": 1250,
                "month": "2024-05",
                "rate_bp": None,
                "household_size": 3,
            }
        ],
        "cashiers": [{"id": 2, "name": "Bob", "pin_hash": "pbkdf2_sha256$600000$c2Fs$aGFzaA=="}],
        "deleted": {"products": [], "beneficiaries": [], "cashiers": [], "categories": []},
    }
    body.update(overrides)
    return body


class TestSnapshot:
    def test_it_reads_a_full_snapshot(self):
        snapshot = Snapshot.model_validate_json(json.dumps(_snapshot()))

        assert snapshot.full
        assert snapshot.products[0].earliest_dlc == date(2024, 5, 20)
        assert snapshot.tariff.category_rates_bp == {"3": 1000}
        assert snapshot.scale_layout.weight_prefixes == ["21", "22"]
        assert snapshot.scale_layout.price_prefixes == ["24", "25", "26"]
        assert snapshot.beneficiaries[0].quotas == []

    def test_an_older_till_reads_a_newer_servers_snapshot_with_unknown_fields(self):
        body = _snapshot(loyalty_programme={"enabled": True})
        body["products"][0].update(vat_bp=550, allergens=["lait"])
        body["beneficiaries"][0]["referent"] = "CCAS"
        body["cashiers"][0]["badge"] = "0042"
        body["tariff"]["weekend_rate_bp"] = 2000
        body["deleted"]["suppliers"] = [4]
        body["scale_layout"]["label_printer"] = "bizerba"
        body["store"]["siret"] = "123 456 789 00012"

        snapshot = Snapshot.model_validate_json(json.dumps(body))

        assert snapshot.products[0].name == "Lait demi-écrémé 1 L"
        assert not hasattr(snapshot.products[0], "vat_bp")
        assert snapshot.cashiers[0].pin_hash.startswith("pbkdf2_sha256$")

    def test_it_reads_a_snapshot_without_the_optional_fields(self):
        body = _snapshot()
        del body["scale_layout"], body["deleted"], body["categories"]
        body["products"] = [{"id": 1, "name": "Pain", "unit": "piece", "price_cents": 120}]
        body["beneficiaries"] = [
            {
                "code": "B-1",
                "label": "Durand",
                "status": "suspended",
                "budget_cents": 0,
                "spent_cents": 0,
                "month": "2024-05",
            }
        ]
        body["cashiers"] = [{"id": 1, "name": "Alice"}]

        snapshot = Snapshot.model_validate(body)

        product = snapshot.products[0]
        assert (product.barcodes, product.active, product.origin, product.rate_bp) == (
            [],
            True,
            "purchase",
            None,
        )
        assert snapshot.beneficiaries[0].household_size == 1
        assert snapshot.cashiers[0].pin_hash is None
        assert snapshot.deleted.products == []

    def test_a_delta_names_what_was_deleted(self):
        body = _snapshot(full=False, products=[], beneficiaries=[], cashiers=[], categories=[])
        body["deleted"] = {"products": [12], "beneficiaries": ["B-0007"]}

        snapshot = Snapshot.model_validate(body)

        assert not snapshot.full
        assert snapshot.deleted.products == [12]
        assert snapshot.deleted.beneficiaries == ["B-0007"]
        assert snapshot.deleted.cashiers == []

    @pytest.mark.parametrize("month", ["2024-13", "2024-5", "05-2024"])
    def test_it_refuses_a_month_not_written_yyyy_mm(self, month):
        body = _snapshot()
        body["beneficiaries"][0]["month"] = month
        with pytest.raises(ValidationError):
            Snapshot.model_validate(body)

    def test_it_refuses_a_rate_above_100_percent(self):
        body = _snapshot()
        body["tariff"]["category_rates_bp"] = {"3": 10001}
        with pytest.raises(ValidationError):
            Snapshot.model_validate(body)

    def test_it_refuses_a_naive_generation_time(self):
        with pytest.raises(ValidationError):
            Snapshot.model_validate(_snapshot(generated_at="2024-05-01T10:30:00"))

    def test_a_snapshot_round_trips_through_json(self):
        snapshot = Snapshot.model_validate(_snapshot())
        assert Snapshot.model_validate_json(snapshot.model_dump_json()) == snapshot


class TestEnrollment:
    def test_an_older_till_reads_a_newer_enrolment_answer(self):
        answer = EnrollResponse.model_validate(
            {
                "device_id": "d-7",
                "token": "s3cr3t",
                "store": {"slug": "demo", "name": "Demo", "timezone": "Europe/Paris"},
                "expires_at": None,
            }
        )
        assert answer.store.slug == "demo"


def test_the_scale_layout_is_what_the_barcode_rules_read():
    barcodes = pytest.importorskip("cabas.rules.barcodes")
    info = Snapshot.model_validate(_snapshot()).scale_layout
    layout = barcodes.parse_scale_layout(info.model_dump())
    assert layout.weight_prefixes == {"21", "22"} and layout.price_check_digit
    assert (
        Snapshot.model_validate(
            _snapshot(scale_layout=barcodes.DEFAULT_SCALE_LAYOUT.to_dict())
        ).scale_layout
        == type(info)()
    )
