"""The cart: its lines priced with ``cabas.rules.pricing`` (the same code the server uses),
and the summary of the sale the view draws."""

from __future__ import annotations

from dataclasses import dataclass, field

from cabas.protocol import BeneficiaryItem, CashierItem, Payment, ProductItem, TicketLine
from cabas.rules.budget import BudgetState
from cabas.rules.money import Unit
from cabas.rules.pricing import LinePrice, RateDecision, line_price
from cabas.rules.quotas import QuotaExceeded


@dataclass
class CartLine:
    """One line: a product (or a free label), a quantity (pieces, or grams for "kg"), the
    full unit price (per piece or per kilo) and the rate decided for the current customer."""

    product: ProductItem | None
    barcode: str | None
    label: str
    unit: Unit
    quantity: int
    full_unit_price_cents: int
    decision: RateDecision
    warning: str = ""
    authorized_by: int | None = None
    """The manager who allowed this line although the till refused it (past its DLC)."""
    _priced: tuple[tuple[int, int, str, int], LinePrice] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @property
    def key(self) -> tuple[int, int, str, int]:
        """What the price depends on (a scan changes it for one line only)."""
        return (self.full_unit_price_cents, self.quantity, self.unit, self.decision.rate_bp)

    @property
    def price(self) -> LinePrice:
        # Computed again only when the line changed: a cart of 60 lines is not repriced
        # whole for every scan.
        key = self.key
        if self._priced is None or self._priced[0] != key:
            self._priced = (key, line_price(key[0], key[1], self.unit, key[3]))
        return self._priced[1]

    @property
    def product_id(self) -> int | None:
        return None if self.product is None else self.product.id

    def to_ticket_line(self) -> TicketLine:
        price = self.price
        return TicketLine(
            product_id=self.product_id,
            barcode=self.barcode,
            label=self.label[:200],
            quantity=self.quantity,
            unit=self.unit,
            unit_price_cents=price.unit_price_cents,
            full_price_cents=price.full_price_cents,
            total_cents=price.total_cents,
            authorized_by=self.authorized_by,
        )


@dataclass(frozen=True)
class CartSummary:
    """The sale as the view draws it: lines, totals, client, budget, payments."""

    lines: list[CartLine]
    total_cents: int
    full_price_cents: int
    client: BeneficiaryItem | None
    budget: BudgetState | None
    paid_cents: int
    payments: list[Payment]
    pending_quantity: int | None
    cashier: CashierItem | None
    quota_problems: list[QuotaExceeded] = field(default_factory=list)

    @property
    def savings_cents(self) -> int:
        return self.full_price_cents - self.total_cents

    @property
    def remaining_cents(self) -> int:
        return self.total_cents - self.paid_cents

    def change_cents(self, method: str, typed_cents: int | None) -> int:
        """The change for what the cashier typed as paid by ``method``: only cash above what
        remains gives change back."""
        if method != "cash" or typed_cents is None:
            return 0
        return max(0, typed_cents - self.remaining_cents)

    @property
    def over_budget_cents(self) -> int:
        return 0 if self.budget is None else self.budget.over_budget_cents(self.total_cents)
