"""A cart line priced with ``cabas.rules.pricing`` (the same code the server uses)."""

from __future__ import annotations

from dataclasses import dataclass

from cabas.protocol import ProductItem, TicketLine
from cabas.rules.money import Unit
from cabas.rules.pricing import LinePrice, RateDecision, line_price


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

    @property
    def price(self) -> LinePrice:
        return line_price(
            self.full_unit_price_cents, self.quantity, self.unit, self.decision.rate_bp
        )

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
        )
