"""`GET snapshot`: what the till keeps locally to sell offline (products, beneficiaries,
cashiers, tariffs), in full or as a delta since a cursor."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from cabas.protocol._base import BasisPoints, ReadModel
from cabas.protocol.enrollment import StoreInfo
from cabas.rules.money import Unit

BeneficiaryStatus = Literal["active", "suspended", "expired"]
ScalePrefix = Annotated[str, Field(pattern=r"^2[0-9]$")]


class CategoryItem(ReadModel):
    id: int
    name: str
    parent_id: int | None = None


class ProductItem(ReadModel):
    """A product as the till sells it. `price_cents` is the full price, per piece or per kilo;
    `stock_qty` is pieces or grams (it may be negative: the ledger records what was sold);
    `origin` is "purchase", "donation" or "programme:<code>" (tariff ceilings apply to it);
    `rate_bp` overrides the participation rate for this product; `earliest_dlc` is the closest
    use-by date of the lots in stock (null when none has one)."""

    id: int
    name: str
    category_id: int | None = None
    barcodes: list[str] = []
    unit: Unit
    price_cents: Annotated[int, Field(ge=0)]
    stock_qty: int = 0
    active: bool = True
    origin: str = "purchase"
    rate_bp: BasisPoints | None = None
    earliest_dlc: date | None = None


class QuotaUsage(ReadModel):
    """A monthly limit on a category for a household, in pieces, and how much of it is used:
    the first form of quotas, still sent for older tills (category quotas in pieces only).
    Newer tills read `BeneficiaryItem.quota_limits` and `Snapshot.quotas` instead."""

    category_id: int
    limit_qty: int
    used_qty: int = 0


QuotaScope = Literal["product", "category"]


class QuotaItem(ReadModel):
    """A monthly quota the shop defines: at most so much of one product (`scope` "product")
    or of all products of a category and its subcategories ("category") per household and
    per month. Counted in pieces, or in grams when `unit` is "kg": only cart lines of that
    unit count. Each household's limit is in its `quota_limits`."""

    id: int
    label: str
    scope: QuotaScope
    target_id: int
    unit: Unit = "piece"


class QuotaLimit(ReadModel):
    """A household's limit for the quota `quota_id` this `month`, already scaled to its size
    by the server, and what the server counted of it (its acknowledged tickets, refunds
    deducted); the till adds its unsent tickets."""

    quota_id: int
    limit_qty: Annotated[int, Field(ge=0)]
    used_qty: int = 0


class ProjectInfo(ReadModel):
    """The household's project, sent only when the shop shows projects at the till.
    `saved_cents` is what its acknowledged tickets saved since the project started (full price
    minus paid, refunds deducted); the till adds the savings of its unsent tickets."""

    label: str
    goal_cents: Annotated[int, Field(ge=0)]
    saved_cents: int = 0
    target_date: date | None = None


class BeneficiaryItem(ReadModel):
    """A household, known to the till by the `code` its card encodes. `budget_cents` and
    `spent_cents` are for `month` ("YYYY-MM", in the shop's time zone) as acknowledged by the
    server; the till adds its unsent tickets. `rate_bp` overrides the participation rate."""

    code: str
    label: str
    status: BeneficiaryStatus
    budget_cents: int
    spent_cents: int
    month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    rate_bp: BasisPoints | None = None
    household_size: Annotated[int, Field(ge=1)] = 1
    quotas: list[QuotaUsage] = []
    quota_limits: list[QuotaLimit] = []
    project: ProjectInfo | None = None


class CashierItem(ReadModel):
    """A cashier; `pin_hash` ("pbkdf2_sha256$<iterations>$<salt>$<hash>") lets the till check a
    PIN offline. Null when the cashier has no PIN. `manager` is true for a manager of the shop:
    their PIN allows at the till what it refuses (a product past its DLC); false when the
    server is older than the field, so that such a till allows nothing."""

    id: int
    name: str
    pin_hash: str | None = None
    manager: bool = False


class TariffInfo(ReadModel):
    """The shop's participation rates, in basis points (10000 = full price). Keys are ids as
    strings (JSON object keys): category ids, product ids, product origins."""

    shop_rate_bp: BasisPoints
    category_rates_bp: dict[str, BasisPoints] = {}
    product_rates_bp: dict[str, BasisPoints] = {}
    origin_ceilings_bp: dict[str, BasisPoints] = {}


class ScaleLayoutInfo(ReadModel):
    """How the shop's scales lay out their in-store EAN-13 codes (prefixes 20-29): the JSON
    form of `cabas.rules.barcodes.ScaleLayout` (`to_dict()` on the server,
    `parse_scale_layout(info.model_dump())` on the till), with the same defaults. A product
    sold through scale labels lists its lookup code among its barcodes."""

    weight_prefixes: list[ScalePrefix] = ["21", "22", "23"]
    price_prefixes: list[ScalePrefix] = ["24", "25", "26"]
    internal_prefixes: list[ScalePrefix] = ["20"]
    reference_digits: Annotated[int, Field(ge=1, le=9)] = 5
    value_digits: Annotated[int, Field(ge=1, le=9)] = 5
    price_check_digit: bool = False


class DeletedIds(ReadModel):
    """What was deleted (or is no longer visible to the till) since the `since` cursor."""

    products: list[int] = []
    beneficiaries: list[str] = []
    cashiers: list[int] = []
    categories: list[int] = []


class Snapshot(ReadModel):
    """Answer of `GET snapshot`. With `full` true the till replaces all its data; with `full`
    false (a delta, answered to `?since=<cursor>`) it upserts the items and removes `deleted`.
    `store`, `tariff`, `scale_layout` and `quotas` are always complete. `cursor` is opaque to
    the till: it sends it back as `since` next time."""

    cursor: Annotated[str, Field(min_length=1, max_length=500)]
    generated_at: AwareDatetime
    full: bool
    store: StoreInfo
    tariff: TariffInfo
    scale_layout: ScaleLayoutInfo = ScaleLayoutInfo()
    categories: list[CategoryItem] = []
    products: list[ProductItem] = []
    beneficiaries: list[BeneficiaryItem] = []
    cashiers: list[CashierItem] = []
    quotas: list[QuotaItem] = []
    deleted: DeletedIds = DeletedIds()
