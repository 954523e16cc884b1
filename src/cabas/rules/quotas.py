"""Monthly quotas per household on a product or a category, scaled by household size, and
the check of a cart against them (pieces, or grams for weighed goods).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from cabas.rules.money import GRAMS_PER_KG, UNIT_KG, Unit

QuotaScope = Literal["product", "category"]
QuotaKey = tuple[QuotaScope, str, Unit]
"""``("product", product_id, unit)`` or ``("category", category_id, unit)``, ids as strings:
two quotas of one category in pieces and in kilos count apart."""


def format_quantity(quantity: int, unit: Unit) -> str:
    """French display: ``3`` pieces → ``"3"``; grams → ``"750 g"`` or ``"1,5 kg"``."""
    if unit != UNIT_KG:
        return str(quantity)
    if abs(quantity) < GRAMS_PER_KG:
        return f"{quantity}\u00a0g"
    kilos, grams = divmod(abs(quantity), GRAMS_PER_KG)
    sign = "-" if quantity < 0 else ""
    decimals = f"{grams:03d}".rstrip("0")
    return f"{sign}{kilos},{decimals}\u00a0kg" if decimals else f"{sign}{kilos}\u00a0kg"


@dataclass(frozen=True)
class Quota:
    """At most so much of a product (or of all products of a category and its subcategories)
    per household and per month.

    The limit for one person is ``base_quantity``; ``limits_by_size`` may set the limit for
    larger households (size → limit). A household gets the largest row not above its size,
    plus ``per_extra_person`` for each person beyond that row. Quantities are pieces, or grams
    when ``unit`` is ``"kg"``; a quota only counts cart lines of its own unit.
    """

    scope: QuotaScope
    target_id: str
    label: str
    base_quantity: int
    per_extra_person: int = 0
    unit: Unit = "piece"
    limits_by_size: Mapping[int, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.scope not in ("product", "category"):
            raise ValueError("Un quota porte sur un produit ou sur une catégorie.")
        object.__setattr__(self, "target_id", str(self.target_id))
        amounts = [self.base_quantity, self.per_extra_person, *self.limits_by_size.values()]
        if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in amounts):
            raise ValueError(f"Quota « {self.label} » : les quantités sont des entiers positifs.")
        if any(size < 1 for size in self.limits_by_size):
            raise ValueError(f"Quota « {self.label} » : une taille de foyer vaut au moins 1.")
        object.__setattr__(
            self, "limits_by_size", MappingProxyType(dict(sorted(self.limits_by_size.items())))
        )

    @property
    def key(self) -> QuotaKey:
        return (self.scope, self.target_id, self.unit)


def quota_limit(quota: Quota, household_size: int) -> int:
    """The monthly limit of ``quota`` for a household of ``household_size`` persons."""
    if household_size < 1:
        raise ValueError("Un foyer compte au moins une personne.")
    table = {1: quota.base_quantity, **quota.limits_by_size}
    row = max(size for size in table if size <= household_size)
    return table[row] + (household_size - row) * quota.per_extra_person


@dataclass(frozen=True)
class QuotaLine:
    """What the quota check needs of a cart line."""

    product_id: str
    category_path: Sequence[str] = ()
    """The product's category first, then its parents up to the root."""
    quantity: int = 1
    unit: Unit = "piece"

    def counts_for(self, quota: Quota) -> bool:
        if self.unit != quota.unit:
            return False
        if quota.scope == "product":
            return str(self.product_id) == quota.target_id
        return quota.target_id in (str(category) for category in self.category_path)


@dataclass(frozen=True)
class QuotaExceeded:
    """A quota the cart goes over, with the French message for the cashier."""

    quota: Quota
    limit: int
    already_bought: int
    in_cart: int

    @property
    def excess(self) -> int:
        return self.already_bought + self.in_cart - self.limit

    @property
    def message(self) -> str:
        unit = self.quota.unit
        parts = [
            f"Quota dépassé : {self.quota.label}",
            f"{format_quantity(self.limit, unit)} par mois pour ce foyer",
        ]
        if self.already_bought:
            parts.append(f"déjà {format_quantity(self.already_bought, unit)} ce mois-ci")
        parts.append(f"{format_quantity(self.in_cart, unit)} dans le panier")
        return ", ".join(parts)


def check_quotas(
    quotas: Iterable[Quota],
    already_bought: Mapping[QuotaKey, int],
    cart_lines: Iterable[QuotaLine],
    *,
    household_size: int,
) -> list[QuotaExceeded]:
    """The quotas the cart goes over, in the order of ``quotas``.

    ``already_bought`` holds this month's quantities per quota key (acknowledged tickets and
    tickets waiting to be sent). A quota is reported only when the cart adds to it, so a
    household already over a quota can still buy other things without a warning.
    """
    lines = list(cart_lines)
    exceeded: list[QuotaExceeded] = []
    for quota in quotas:
        in_cart = sum(line.quantity for line in lines if line.counts_for(quota))
        if in_cart <= 0:
            continue
        limit = quota_limit(quota, household_size)
        before = already_bought.get(quota.key, 0)
        if before + in_cart > limit:
            exceeded.append(QuotaExceeded(quota, limit, before, in_cart))
    return exceeded
