"""Cash sessions: opening float, closing count per payment method, the difference, the X
(during) and Z (closing) summaries, and the reports queued in ``Sessions/`` for
``POST cash-sessions`` (idempotent on the server: resending is harmless)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cabas.caisse.core.config import DataDir
from cabas.caisse.core.fsutil import atomic_write_json
from cabas.caisse.core.outbox import Outbox
from cabas.caisse.core.receipt import METHOD_LABELS, _euros, _row
from cabas.protocol import PAYMENT_METHODS, CashSessionReport, MethodAmount, PaymentMethod


@dataclass(frozen=True)
class SessionTotals:
    """What the tickets of a session add up to, per payment method (cash net of change)."""

    by_method: dict[str, int]
    ticket_count: int
    refund_count: int
    sales_cents: int
    refunds_cents: int


class CashSessions:
    def __init__(self, data: DataDir, outbox: Outbox, tz: str, now: Callable[[], datetime]) -> None:
        self.data = data
        self.outbox = outbox
        self.tz = tz
        self.now = now
        self._cached: tuple[tuple[int, int, int], CashSessionReport] | None = None

    def current(self) -> CashSessionReport | None:
        # Asked at every scan when the shop requires a session: read again only when the
        # file changed (a stat, not a parse).
        try:
            info = self.data.session_file.stat()
        except FileNotFoundError:
            self._cached = None
            return None
        stamp = (info.st_mtime_ns, info.st_ino, info.st_size)
        if self._cached is not None and self._cached[0] == stamp:
            return self._cached[1]
        try:
            raw = json.loads(self.data.session_file.read_text("utf-8"))
        except FileNotFoundError:
            return None
        report = CashSessionReport.model_validate(raw)
        self._cached = (stamp, report)
        return report

    def open(self, *, cashier_id: int | None, opening_float_cents: int) -> CashSessionReport:
        if self.current() is not None:
            raise ValueError("Une session de caisse est déjà ouverte.")
        if opening_float_cents < 0:
            raise ValueError("Le fond de caisse ne peut pas être négatif.")
        report = CashSessionReport(
            id=uuid.uuid4(),
            opened_at=self.now(),
            cashier_id=cashier_id,
            opening_float_cents=opening_float_cents,
        )
        payload = report.model_dump(mode="json")
        self._cached = None
        atomic_write_json(self.data.session_file, payload)
        self._queue(report, "1-open")
        return report

    def totals(self, session: CashSessionReport) -> SessionTotals:
        by_method: dict[str, int] = {}
        count = refunds = sales = refunded = 0
        for ticket in self.outbox.iter_known_tickets():
            if ticket.cash_session_id != session.id:
                continue
            count += 1
            if ticket.is_refund:
                refunds += 1
                refunded += ticket.total_cents
            else:
                sales += ticket.total_cents
            for payment in ticket.payments:
                by_method[payment.method] = by_method.get(payment.method, 0) + payment.amount_cents
        return SessionTotals(by_method, count, refunds, sales, refunded)

    def expected(self, session: CashSessionReport) -> dict[str, int]:
        totals = self.totals(session).by_method
        expected = dict(totals)
        expected["cash"] = session.opening_float_cents + totals.get("cash", 0)
        return expected

    def close(
        self,
        *,
        cashier_id: int | None,
        counted: Mapping[str, int],
        note: str = "",
    ) -> CashSessionReport:
        session = self.current()
        if session is None:
            raise ValueError("Aucune session de caisse n'est ouverte.")
        expected = self.expected(session)
        methods: list[PaymentMethod] = [m for m in PAYMENT_METHODS if m in expected or m in counted]
        counted_list = [MethodAmount(method=m, amount_cents=counted.get(m, 0)) for m in methods]
        expected_list = [MethodAmount(method=m, amount_cents=expected.get(m, 0)) for m in methods]
        difference = sum(a.amount_cents for a in counted_list) - sum(
            a.amount_cents for a in expected_list
        )
        closed = CashSessionReport(
            id=session.id,
            opened_at=session.opened_at,
            closed_at=max(self.now(), session.opened_at),
            cashier_id=session.cashier_id,
            closing_cashier_id=cashier_id,
            opening_float_cents=session.opening_float_cents,
            counted=counted_list,
            expected=expected_list,
            difference_cents=difference,
            ticket_count=self.totals(session).ticket_count,
            note=note,
        )
        self._queue(closed, "2-close")
        self._cached = None
        self.data.session_file.unlink()
        return closed

    def _queue(self, report: CashSessionReport, suffix: str) -> None:
        self.data.sessions.mkdir(parents=True, exist_ok=True)
        stamp = self.now().strftime("%Y%m%d%H%M%S")
        path = self.data.sessions / f"{stamp}-{report.id}-{suffix}.json"
        atomic_write_json(path, report.model_dump(mode="json"))

    def summary(self, session: CashSessionReport, *, width: int = 42) -> list[str]:
        """The X summary of an open session, or the Z summary of a closed one."""
        zone = ZoneInfo(self.tz)
        totals = self.totals(session)
        title = "RAPPORT Z (clôture)" if session.is_closed else "RAPPORT X (en cours)"
        out = [title.center(width), "-" * width]
        out.append(
            _row("Ouverture", session.opened_at.astimezone(zone).strftime("%d/%m %H:%M"), width)
        )
        if session.closed_at:
            out.append(
                _row("Clôture", session.closed_at.astimezone(zone).strftime("%d/%m %H:%M"), width)
            )
        out.append(_row("Fond de caisse", _euros(session.opening_float_cents), width))
        out.append(_row("Tickets", str(totals.ticket_count), width))
        out.append(_row("  dont remboursements", str(totals.refund_count), width))
        out.append(_row("Ventes", _euros(totals.sales_cents), width))
        out.append(_row("Remboursements", _euros(totals.refunds_cents), width))
        out.append("-" * width)
        for method, amount in sorted(totals.by_method.items()):
            out.append(_row(METHOD_LABELS[method], _euros(amount), width))
        if session.is_closed:
            out.append("-" * width)
            out.append("Attendu / compté :")
            counted = {a.method: a.amount_cents for a in session.counted}
            for item in session.expected:
                out.append(
                    _row(
                        f"  {METHOD_LABELS[item.method]}",
                        f"{_euros(item.amount_cents)} / {_euros(counted.get(item.method, 0))}",
                        width,
                    )
                )
            out.append(_row("Écart", _euros(session.difference_cents), width))
        return out
