"""The reorder rule that proposes how many packs to order of a product. Pure arithmetic.

For one product and the supplier chosen for it::

    daily_sales  = net sales over the last W weeks / (7 × W)          (sales minus refunds)
    available    = stock + on_order                     (on_order: still expected from
                                                          sent and partly received orders)
    at_delivery  = available − daily_sales × lead_time_days
    reorder when   at_delivery < min_stock              (min_stock unset: 0)
    target       = max_stock, else min_stock + daily_sales × 7 × W     (W weeks of cover)
    need         = ⌈target − at_delivery⌉
    packs        = ⌈need / pack_size⌉

Quantities are units, or grams for a weighed product (then ``pack_size`` is grams too).
A product with neither a minimum nor a maximum is not managed by the rule: no proposal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

DEFAULT_WEEKS = 4


@dataclass(frozen=True)
class ReorderInput:
    stock: int
    on_order: int
    sold_in_period: int
    weeks: int
    lead_time_days: int
    pack_size: int
    min_stock: int | None
    max_stock: int | None


@dataclass(frozen=True)
class ReorderProposal:
    daily_sales: Fraction
    at_delivery: Fraction
    target: Fraction
    need: int
    packs: int

    @property
    def weekly_sales(self) -> Fraction:
        return self.daily_sales * 7


def reorder_proposal(data: ReorderInput) -> ReorderProposal | None:
    """The packs to order, or None when the product needs none (see the module's formula)."""
    if data.min_stock is None and data.max_stock is None:
        return None
    weeks = max(data.weeks, 1)
    daily = Fraction(max(data.sold_in_period, 0), 7 * weeks)
    at_delivery = data.stock + data.on_order - daily * data.lead_time_days
    minimum = data.min_stock or 0
    if at_delivery >= minimum:
        return None
    target = Fraction(data.max_stock) if data.max_stock else minimum + daily * 7 * weeks
    need = math.ceil(target - at_delivery)
    if need <= 0:
        return None
    packs = math.ceil(Fraction(need, max(data.pack_size, 1)))
    return ReorderProposal(
        daily_sales=daily, at_delivery=at_delivery, target=target, need=need, packs=packs
    )
