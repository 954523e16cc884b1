"""The price a customer pays: which *taux de participation* applies and what a line costs.

Rates are integer basis points, 0..10000 (10000 = the full price, 2000 = 20 %, 1250 = 12,5 %),
so that every rate a shop can type is exact and both sides compute the same prices.

Rounding rule: the unit price a beneficiary pays is ``full_unit_price * rate / 10000`` rounded
half up (per piece, or per kilo for weighed goods), and the line total is computed from that
rounded unit price with :func:`cabas.rules.money.line_total_cents`. Till and server thus agree,
and every ticket line is self-consistent:
``total_cents == line_total_cents(quantity, unit_price_cents, unit)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Literal

from cabas.rules.money import Unit, line_total_cents, round_cents

FULL_RATE_BP = 10_000
"""The full price: customers without a card pay it."""

ORIGIN_PURCHASE = "purchase"
ORIGIN_FOOD_BANK = "food_bank"
"""From the food bank (banque alimentaire) the shop belongs to."""
ORIGIN_EU_AID = "eu_aid"
"""EU food aid: FSE+ (formerly FEAD), carries its programme code ("FSE+")."""
ORIGIN_PROGRAMME = "programme"
"""A national programme: PNAA, «Mieux manger pour tous» credits, CNES… (with its code)."""
ORIGIN_SUPERMARKET = "supermarket"
"""Supermarket collections (*ramasse*): unsold goods picked up at shops."""
ORIGIN_COLLECTION = "collection"
"""Public collections (*collectes*): goods given by the public at a collection day."""
ORIGIN_DONATION = "donation"
"""Other donations (a person, a firm, a producer)."""

ORIGINS: tuple[str, ...] = (
    ORIGIN_PURCHASE,
    ORIGIN_FOOD_BANK,
    ORIGIN_EU_AID,
    ORIGIN_PROGRAMME,
    ORIGIN_SUPERMARKET,
    ORIGIN_COLLECTION,
    ORIGIN_DONATION,
)
"""The origins of goods as French food-aid funders name them, in the order of their returns."""

PROGRAMME_ORIGINS = frozenset({ORIGIN_EU_AID, ORIGIN_PROGRAMME})
"""Origins that carry a programme code (FSE+, PNAA, MMPT, CNES…)."""
DONATED_ORIGINS = frozenset(ORIGINS) - {ORIGIN_PURCHASE, *PROGRAMME_ORIGINS}
"""Donated goods: the price ceiling of "donation" applies to all of them."""
EU_PROGRAMME_CODE = "FSE+"
EU_PROGRAMME_CODES = frozenset({"FSE+", "FSE", "FEAD", "PEAD", "FEAD+"})
"""Programme codes that name EU food aid (FSE+ and its predecessors)."""


def programme_origin(code: str) -> str:
    """The origin of goods from programme ``code``: EU aid for FSE+ (and FEAD), else national."""
    return ORIGIN_EU_AID if code.strip().upper() in EU_PROGRAMME_CODES else ORIGIN_PROGRAMME


def tariff_origin(origin: str, programme: str = "") -> str:
    """The origin key the tariff's ceilings are read by (and the till's snapshot carries).

    ``"programme:<code>"`` for goods of a programme (EU or national) with a code, ``"donation"``
    for every donated origin (food bank, ramasse, collections, other donations), else the
    origin itself: the ceilings shops set before origins were detailed keep applying.
    """
    if origin in PROGRAMME_ORIGINS:
        code = programme or (EU_PROGRAMME_CODE if origin == ORIGIN_EU_AID else "")
        return f"{ORIGIN_PROGRAMME}:{code}" if code else ORIGIN_PROGRAMME
    if origin in DONATED_ORIGINS:
        return ORIGIN_DONATION
    return origin


RateSource = Literal["household", "product", "category", "shop", "ceiling", "full_price"]

_SOURCE_LABELS: dict[str, str] = {
    "household": "taux du foyer",
    "product": "taux du produit",
    "category": "taux de la catégorie",
    "shop": "taux de l'épicerie",
    "ceiling": "plafond de la provenance",
    "full_price": "plein tarif (sans carte)",
}


def validate_rate_bp(rate_bp: int, *, what: str = "Le taux") -> int:
    """Return ``rate_bp`` if it is an integer between 0 and 10000, else raise ValueError."""
    if isinstance(rate_bp, bool) or not isinstance(rate_bp, int):
        raise ValueError(f"{what} doit être un nombre entier de points de base (0 à 10000).")
    if not 0 <= rate_bp <= FULL_RATE_BP:
        raise ValueError(f"{what} doit être compris entre 0 et 10000 points de base (0 à 100 %).")
    return rate_bp


def format_rate(rate_bp: int) -> str:
    """French display of a rate: ``2000`` → ``"20 %"``, ``1250`` → ``"12,5 %"``."""
    percent, rest = divmod(rate_bp, 100)
    decimals = f"{rest:02d}".rstrip("0")
    return f"{percent},{decimals}\u00a0%" if decimals else f"{percent}\u00a0%"


@dataclass(frozen=True)
class RateDecision:
    """The rate that applies and why (for the ticket, the screen and anomaly explanations)."""

    rate_bp: int
    source: RateSource
    uncapped_rate_bp: int
    """The rate before the origin's ceiling."""
    ceiling_bp: int | None = None
    category_level: int | None = None
    """When a category decided: 0 for the product's own category, 1 for its parent, …"""

    @property
    def label(self) -> str:
        """French explanation, e.g. ``"20 % (taux de la catégorie)"``."""
        return f"{format_rate(self.rate_bp)} ({_SOURCE_LABELS[self.source]})"


def full_price_decision() -> RateDecision:
    """The decision for a customer without a card: the full price, no ceiling."""
    return RateDecision(rate_bp=FULL_RATE_BP, source="full_price", uncapped_rate_bp=FULL_RATE_BP)


def resolve_rate(
    *,
    shop_rate_bp: int,
    category_rates_bp: Sequence[int | None] = (),
    product_rate_bp: int | None = None,
    household_rate_bp: int | None = None,
    ceiling_bp: int | None = None,
) -> RateDecision:
    """The rate a beneficiary pays for one product.

    The most specific rate set wins: the household's, then the product's, then the categories'
    (``category_rates_bp`` goes from the product's own category up to the root; None means
    "not set at this level"), then the shop's. The origin's ceiling, if any, then caps it.
    """
    rate = validate_rate_bp(shop_rate_bp, what="Le taux de l'épicerie")
    source: RateSource = "shop"
    level: int | None = None
    for index, category_rate in enumerate(category_rates_bp):
        if category_rate is not None:
            rate = validate_rate_bp(category_rate, what="Le taux de la catégorie")
            source, level = "category", index
            break
    if product_rate_bp is not None:
        rate = validate_rate_bp(product_rate_bp, what="Le taux du produit")
        source, level = "product", None
    if household_rate_bp is not None:
        rate = validate_rate_bp(household_rate_bp, what="Le taux du foyer")
        source, level = "household", None
    uncapped = rate
    if ceiling_bp is not None:
        validate_rate_bp(ceiling_bp, what="Le plafond de la provenance")
        if ceiling_bp < rate:
            rate, source = ceiling_bp, "ceiling"
    return RateDecision(
        rate_bp=rate,
        source=source,
        uncapped_rate_bp=uncapped,
        ceiling_bp=ceiling_bp,
        category_level=level,
    )


def beneficiary_unit_price_cents(full_price_cents: int, rate_bp: int) -> int:
    """The unit price (per piece, or per kilo) at ``rate_bp``, rounded half up."""
    validate_rate_bp(rate_bp)
    return round_cents(Fraction(full_price_cents * rate_bp, FULL_RATE_BP))


@dataclass(frozen=True)
class LinePrice:
    """A ticket line's prices: what the customer pays and the same line at the full price."""

    unit_price_cents: int
    total_cents: int
    full_price_cents: int

    @property
    def saving_cents(self) -> int:
        """What the tariff saved the customer on this line."""
        return self.full_price_cents - self.total_cents


def line_price(full_unit_price_cents: int, quantity: int, unit: Unit, rate_bp: int) -> LinePrice:
    """Price a line (``quantity`` in pieces, or grams for ``"kg"``; negative for a refund)."""
    unit_price = beneficiary_unit_price_cents(full_unit_price_cents, rate_bp)
    return LinePrice(
        unit_price_cents=unit_price,
        total_cents=line_total_cents(quantity, unit_price, unit),
        full_price_cents=line_total_cents(quantity, full_unit_price_cents, unit),
    )


_CATEGORY = "Le taux de la catégorie"
_PRODUCT = "Le taux du produit"
_CEILING = "Le plafond de la provenance"


def _frozen_rates(rates: object, what: str) -> Mapping[str, int]:
    if not isinstance(rates, Mapping):
        raise ValueError(f"{what} doit être donné par un objet JSON (identifiant → taux).")
    checked = {str(key): validate_rate_bp(value, what=what) for key, value in rates.items()}
    return MappingProxyType(checked)


_TARIFF_KEYS = frozenset(
    {"shop_rate_bp", "category_rates_bp", "product_rates_bp", "origin_ceilings_bp"}
)


@dataclass(frozen=True)
class Tariff:
    """A shop's rates, as the snapshot carries them to the till.

    Keys are identifiers as strings (JSON object keys): category ids, product ids and origin
    names. The household's own rate travels with the beneficiary, not here.
    """

    shop_rate_bp: int
    category_rates_bp: Mapping[str, int] = field(default_factory=dict, hash=False)
    product_rates_bp: Mapping[str, int] = field(default_factory=dict, hash=False)
    origin_ceilings_bp: Mapping[str, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        validate_rate_bp(self.shop_rate_bp, what="Le taux de l'épicerie")
        # Read-only copies: a frozen tariff must not change behind the till's back.
        for name, what in (
            ("category_rates_bp", _CATEGORY),
            ("product_rates_bp", _PRODUCT),
            ("origin_ceilings_bp", _CEILING),
        ):
            object.__setattr__(self, name, _frozen_rates(getattr(self, name), what))

    def rate_for(
        self,
        product_id: object,
        category_path: Iterable[object],
        origin: str | None,
        household_rate_bp: int | None,
        *,
        with_card: bool = True,
    ) -> RateDecision:
        """The rate for a product (``category_path``: its category first, then the parents).

        Without a card (``with_card=False``) the customer pays the full price.
        """
        if not with_card:
            return full_price_decision()
        return resolve_rate(
            shop_rate_bp=self.shop_rate_bp,
            category_rates_bp=[self.category_rates_bp.get(str(c)) for c in category_path],
            product_rate_bp=self.product_rates_bp.get(str(product_id)),
            household_rate_bp=household_rate_bp,
            ceiling_bp=None if origin is None else self.origin_ceilings_bp.get(origin),
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "shop_rate_bp": self.shop_rate_bp,
            "category_rates_bp": dict(self.category_rates_bp),
            "product_rates_bp": dict(self.product_rates_bp),
            "origin_ceilings_bp": dict(self.origin_ceilings_bp),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Tariff:
        """Inverse of :meth:`to_dict`; raises ValueError (French message) on bad input."""
        if not isinstance(data, Mapping) or "shop_rate_bp" not in data:
            raise ValueError("Le tarif doit indiquer le taux de l'épicerie (shop_rate_bp).")
        unknown = sorted(str(key) for key in data if key not in _TARIFF_KEYS)
        if unknown:
            raise ValueError(f"Clé inconnue dans le tarif : {unknown[0]}.")
        shop_rate = data["shop_rate_bp"]
        if isinstance(shop_rate, bool) or not isinstance(shop_rate, int):
            raise ValueError("Le taux de l'épicerie doit être un nombre entier de points de base.")
        return cls(
            shop_rate_bp=shop_rate,
            category_rates_bp=_frozen_rates(data.get("category_rates_bp", {}), _CATEGORY),
            product_rates_bp=_frozen_rates(data.get("product_rates_bp", {}), _PRODUCT),
            origin_ceilings_bp=_frozen_rates(data.get("origin_ceilings_bp", {}), _CEILING),
        )
