"""A fake view and an in-memory fake server for the till's core tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cabas.caisse.core.config import DataDir, TillConfig, save_config
from cabas.caisse.core.transport import ServerRefused, TransportError
from cabas.protocol import (
    CashSessionResult,
    EnrollResponse,
    LatestPackage,
    Snapshot,
    StoreInfo,
    TicketBatchResult,
    TicketInvalid,
    TicketLookup,
    cash_session_outcome,
    parse_cash_session,
    parse_ticket,
    ticket_fingerprint,
)
from cabas.rules.barcodes import gtin_check_digit, lookup_code
from cabas.rules.pins import hash_pin

TZ = "Europe/Paris"
STORE = {"slug": "demo", "name": "Épicerie Démo", "timezone": TZ}
PIN_HASH = hash_pin("1234", iterations=1000)
MANAGER = {"id": 8, "name": "Alice", "pin_hash": hash_pin("9876", iterations=1000), "manager": True}


def ean(body: str) -> str:
    return body + str(gtin_check_digit(body))


def make_snapshot(
    *,
    products: int = 5,
    month: str = "2026-11",
    full: bool = True,
    cursor: str = "c1",
    generated_at: datetime | None = None,
    extra_products: list[dict[str, Any]] | None = None,
    cash_session_required: bool = False,
    extra_cashiers: list[dict[str, Any]] | None = None,
) -> Snapshot:
    items = [
        {
            "id": i,
            "name": f"Produit {i}",
            "category_id": 1 if i % 2 else 2,
            "barcodes": [ean(f"376000000{i:03d}")],
            "unit": "piece",
            "price_cents": 100 * i,
            "stock_qty": 10,
        }
        for i in range(1, products + 1)
    ]
    items += [
        {
            "id": 900,
            "name": "Pommes golden",
            "category_id": 3,
            "barcodes": [lookup_code("21", "12345")],
            "unit": "kg",
            "price_cents": 250,
        },
        {
            "id": 901,
            "name": "Pâtes complètes",
            "category_id": 2,
            "barcodes": [ean("376000000999")],
            "unit": "piece",
            "price_cents": 150,
            "origin": "programme:fead",
        },
    ]
    items += extra_products or []
    return Snapshot.model_validate(
        {
            "cursor": cursor,
            "generated_at": (generated_at or datetime(2026, 11, 12, 8, 5, tzinfo=UTC)).isoformat(),
            "full": full,
            # Off by default here: most core tests are about something else than the session.
            "store": {**STORE, "cash_session_required": cash_session_required},
            "tariff": {
                "shop_rate_bp": 3000,
                "category_rates_bp": {"2": 2000},
                "origin_ceilings_bp": {"programme:fead": 0},
            },
            "categories": [
                {"id": 1, "name": "Épicerie"},
                {"id": 2, "name": "Féculents", "parent_id": 1},
                {"id": 3, "name": "Fruits"},
            ],
            "products": items,
            "beneficiaries": [
                {
                    "code": "B0001",
                    "label": "Martin M.",
                    "status": "active",
                    "budget_cents": 3000,
                    "spent_cents": 1000,
                    "month": month,
                    "quotas": [{"category_id": 1, "limit_qty": 4, "used_qty": 1}],
                },
                {
                    "code": "B0002",
                    "label": "Durand A.",
                    "status": "suspended",
                    "budget_cents": 3000,
                    "spent_cents": 0,
                    "month": month,
                },
            ],
            "cashiers": [{"id": 7, "name": "Bob", "pin_hash": PIN_HASH}, *(extra_cashiers or [])],
        }
    )


def enrolled_dir(root: Path) -> DataDir:
    data = DataDir(root).ensure()
    save_config(
        data,
        TillConfig(
            server_url="http://127.0.0.1:9",
            device_id="dev-1",
            token="tok",
            store=StoreInfo(**STORE),
            key_store="file",
        ),
    )
    return data


@dataclass
class FakeView:
    carts: list[Any] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)
    weights: list[Any] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answer: bool = True
    paid: list[tuple[Any, Any]] = field(default_factory=list)
    statuses: list[Any] = field(default_factory=list)
    session_asks: int = 0

    def ask_open_session(self) -> None:
        self.session_asks += 1

    def show_cart(self, summary: Any) -> None:
        self.carts.append(summary)

    def show_message(self, text: str, level: str = "info") -> None:
        self.messages.append((level, text))

    def ask_weight(self, product: Any) -> None:
        self.weights.append(product)

    def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.answer

    def show_paid(self, ticket: Any, receipt: Any) -> None:
        self.paid.append((ticket, receipt))

    def show_status(self, status: Any) -> None:
        self.statuses.append(status)

    def texts(self, level: str | None = None) -> list[str]:
        return [text for lvl, text in self.messages if level is None or lvl == level]


class FakeServer:
    """The protocol's server rules in memory: created / duplicate / id_conflict, per ticket."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self.snapshot_value = snapshot or make_snapshot()
        self.tickets: dict[str, str] = {}
        self.received: dict[str, Any] = {}
        self.stored: list[str] = []
        self.sessions: dict[str, Any] = {}
        self.online = True
        self.batches: list[int] = []
        self.since_seen: list[str | None] = []
        self.commit_then_fail = 0
        self.latest: LatestPackage | None = None
        self.files: dict[str, bytes] = {}
        self.retry_after: float | None = None  # set: POST tickets answers 429 rate_limited

    def _check(self) -> None:
        if not self.online:
            raise TransportError("Serveur injoignable (test).")

    def enroll(self, code: str, name: str) -> EnrollResponse:
        self._check()
        return EnrollResponse(device_id="dev-1", token="tok", store=StoreInfo(**STORE))

    def snapshot(self, since: str | None) -> Snapshot:
        self._check()
        self.since_seen.append(since)
        return self.snapshot_value

    def send_tickets(self, tickets: list[dict[str, Any]]) -> TicketBatchResult:
        self._check()
        assert 1 <= len(tickets) <= 100
        if self.retry_after is not None:
            raise ServerRefused(
                429, "rate_limited", "Le serveur est très sollicité.", retry_after=self.retry_after
            )
        self.batches.append(len(tickets))
        results = []
        for raw in tickets:
            try:
                ticket = parse_ticket(raw)
            except TicketInvalid as exc:
                results.append(
                    {
                        "id": raw.get("id"),
                        "status": "rejected",
                        "error": exc.error_info().model_dump(),
                    }
                )
                continue
            key, fp = str(ticket.id), ticket_fingerprint(ticket)
            if key not in self.tickets:
                self.tickets[key] = fp
                self.received[key] = ticket
                self.stored.append(key)
                results.append({"id": key, "status": "created"})
            elif self.tickets[key] == fp:
                results.append({"id": key, "status": "duplicate"})
            else:
                results.append(
                    {
                        "id": key,
                        "status": "rejected",
                        "error": {"code": "id_conflict", "message": "Conflit d'identifiant."},
                    }
                )
        if self.commit_then_fail:
            self.commit_then_fail -= 1
            raise TransportError("Connexion coupée après validation (test).")
        return TicketBatchResult.model_validate({"results": results})

    def send_cash_session(self, report: dict[str, Any]) -> CashSessionResult:
        self._check()
        parsed = parse_cash_session(report)
        outcome = cash_session_outcome(self.sessions.get(str(parsed.id)), parsed)
        if outcome in ("created", "updated"):
            self.sessions[str(parsed.id)] = parsed
        status = "rejected" if outcome == "id_conflict" else outcome
        return CashSessionResult.model_validate({"id": str(parsed.id), "status": status})

    def lookup_ticket(self, digits: str) -> TicketLookup | None:
        """`GET tickets/{number}` of this one shop (the ids' hex digits, dashes left out)."""
        self._check()
        found = [t for t in self.received.values() if t.id.hex.startswith(digits)]
        found = [t for t in found if t.refund_of is None]
        if not found:
            return None
        refunds = [t for t in self.received.values() if t.refund_of == found[0].id]
        return TicketLookup(ticket=found[0], refunds=refunds)

    def latest_package(self) -> LatestPackage | None:
        self._check()
        return self.latest

    def download(self, url: str, target: Path, *, max_bytes: int) -> str:
        self._check()
        content = self.files[url]
        target.write_bytes(content)
        return hashlib.sha256(content).hexdigest()
