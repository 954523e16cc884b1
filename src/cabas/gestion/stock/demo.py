"""Demo stock: for every product of the demo catalogue, lots with dates (some at their DLC in
the coming days, a few past it, some past their DDM), five weeks of receptions, donations and
losses, and a validated inventory of one rayon with its adjustments.

Written with bulk inserts (a few statements per shop); levels are set from the same rows, and
the loader checks the ledger afterwards. Idempotent: a shop that has demo lots is left alone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cabas.gestion.accounts.models import User
from cabas.gestion.catalog.models import Product, Unit
from cabas.gestion.stock.documents import COUNT_DOCUMENT, LOT_DOCUMENT
from cabas.gestion.stock.models import (
    CountState,
    InventoryCount,
    InventoryCountLine,
    LossCause,
    Lot,
    LotOrigin,
    MovementKind,
    StockMovement,
)
from cabas.gestion.stock.selectors import stock_levels_check
from cabas.gestion.stock.services.ledger import apply_levels
from cabas.gestion.stores.demo import register
from cabas.gestion.stores.models import Store
from cabas.rules.pricing import PROGRAMME_ORIGINS
from cabas.rules.weights import movement_grams

DEMO_SOURCE = "demo"
SHORT_DLC = {"Produits frais", "Boulangerie"}
UNDATED = {"Fruits et légumes", "Entretien", "Hygiène et beauté", "Animaux"}
SUPPLIERS = ["Promocash", "Metro", "Épicentre (réseau ANDES)"]
DONORS = ["Banque alimentaire du Rhône", "Restos du cœur", "Carrefour Market (ramasse)"]
# The funders' origin of each demo donor's goods (the kilograms by origin of the reports).
DONOR_ORIGINS = {
    "Banque alimentaire du Rhône": LotOrigin.FOOD_BANK,
    "Restos du cœur": LotOrigin.DONATION,
    "Carrefour Market (ramasse)": LotOrigin.SUPERMARKET,
}


class _Ledger:
    """Lots and movements being built, with the levels they add up to."""

    def __init__(self, store: Store, actor: User | None) -> None:
        self.store, self.actor = store, actor
        self.movements: list[StockMovement] = []
        self.product_qty: dict[int, int] = defaultdict(int)
        self.lot_qty: dict[int, int] = defaultdict(int)

    def move(
        self,
        product: Product,
        kind: str,
        quantity: int,
        when: datetime,
        *,
        lot: Lot | None = None,
        document: tuple[str, str] = ("", ""),
        reason: str = "",
    ) -> None:
        self.movements.append(
            StockMovement(
                store=self.store,
                product=product,
                lot=lot,
                kind=kind,
                quantity=quantity,
                grams=movement_grams(quantity, product.unit, product.net_weight_g),
                created_by=self.actor,
                created_at=when,
                occurred_at=when,
                document_type=document[0],
                document_id=document[1],
                reason=reason,
            )
        )
        self.product_qty[product.pk] += quantity
        if lot is not None:
            self.lot_qty[lot.pk] += quantity


def _demo_origin(product: Product, label: str, donated: bool) -> str:
    """A demo lot's origin: its product's programme (EU aid, national), else its donor's."""
    if product.origin in PROGRAMME_ORIGINS:
        return product.origin
    if donated:
        return DONOR_ORIGINS.get(label, LotOrigin.DONATION)
    return LotOrigin.PURCHASE


def _dates(rng: random.Random, rayon: str, today: date, n: int) -> tuple[date | None, date | None]:
    """(dlc, ddm) of a demo lot: the product's kind of date, spread so that the dates page has
    something in each of its lists."""
    if rayon in UNDATED:
        return None, None
    if rayon in SHORT_DLC:
        return today + timedelta(days=(n % 12) - 2), None  # two days ago … nine days ahead
    if n % 9 == 0:
        return None, today - timedelta(days=rng.randint(3, 40))  # past its DDM, still sold
    return None, today + timedelta(days=rng.randint(30, 400))


@register(30, "stock : lots, dates et mouvements")
def load_demo_stock(store: Store, users: dict[str, User]) -> None:
    if Lot.objects.filter(store=store, source_document_type=DEMO_SOURCE).exists():
        return
    products = list(
        Product.objects.filter(store=store, active=True)
        .select_related("category__parent")
        .order_by("pk")
    )
    if not products:
        return
    rng = random.Random(f"stock:{store.slug}")  # noqa: S311 - deterministic demo data, not secrets
    today = store.today()
    now = timezone.now()
    stock_user = users.get("stock")
    with transaction.atomic():
        lots: list[Lot] = []
        plans: list[tuple[Lot, Product, int, datetime]] = []
        for n, product in enumerate(products):
            rayon = product.category.parent.name if product.category.parent else ""
            weighed = product.unit == Unit.KG
            for age_days in (35, 14) if n % 3 == 0 else (28,):
                when = now - timedelta(days=age_days, hours=rng.randint(0, 8))
                dlc, ddm = _dates(rng, rayon, today, len(lots))
                donated = product.origin != "purchase" or n % 5 == 0
                quantity = rng.randint(5, 20) * 1000 if weighed else rng.randint(12, 60)
                label = rng.choice(DONORS if donated else SUPPLIERS)
                lot = Lot(
                    store=store,
                    product=product,
                    dlc=dlc,
                    ddm=ddm,
                    received_at=when,
                    quantity=0,
                    origin=_demo_origin(product, label, donated),
                    programme=product.programme,
                    source_label=label,
                    source_document_type=DEMO_SOURCE,
                )
                lots.append(lot)
                plans.append((lot, product, quantity, when))
        Lot.objects.bulk_create(lots)

        ledger = _Ledger(store, stock_user)
        for lot, product, quantity, when in plans:
            kind = (
                MovementKind.RECEPTION
                if lot.origin == LotOrigin.PURCHASE
                else MovementKind.DONATION
            )
            ledger.move(
                product, kind, quantity, when, lot=lot, document=(LOT_DOCUMENT, str(lot.pk))
            )
        causes = list(LossCause)
        for lot, product, quantity, when in rng.sample(plans, k=min(25, len(plans))):
            lost = max(1, quantity // 10)
            cause = rng.choice(causes)
            ledger.move(
                product,
                MovementKind.LOSS,
                -lost,
                when + timedelta(days=rng.randint(1, 10)),
                lot=lot,
                reason=f"{cause.label} : démonstration",
            )
        _demo_inventory(store, products, ledger, now - timedelta(days=7), stock_user)

        StockMovement.objects.bulk_create(ledger.movements, batch_size=1000)
        apply_levels(store, ledger.product_qty, ledger.lot_qty)
    assert stock_levels_check(store=store) == [], "the demo ledger must add up"


def _demo_inventory(
    store: Store, products: list[Product], ledger: _Ledger, when: datetime, actor: User | None
) -> None:
    """A validated count of the first rayon, a week ago, with a few differences."""
    rayon_id = next((p.category.parent_id or p.category_id for p in products), None)
    counted = [p for p in products if rayon_id in (p.category_id, p.category.parent_id)]
    count = InventoryCount.objects.create(
        store=store,
        name="Inventaire du rayon (démonstration)",
        state=CountState.VALIDATED,
        created_by=actor,
        started_at=when - timedelta(hours=2),
        closed_at=when,
        closed_by=actor,
    )
    if rayon_id is not None:
        count.categories.set([rayon_id])
    lines = []
    for n, product in enumerate(counted):
        expected = ledger.product_qty[product.pk]
        difference = (-1 if n % 7 == 0 else 1 if n % 11 == 0 else 0) * (
            1000 if product.unit == Unit.KG else 1
        )
        lines.append(
            InventoryCountLine(
                store=store,
                count=count,
                product=product,
                expected_at_start=expected,
                counted=expected + difference,
                counted_at=when - timedelta(hours=1),
                adjustment=difference,
            )
        )
        if difference:
            ledger.move(
                product,
                MovementKind.ADJUSTMENT,
                difference,
                when,
                document=(COUNT_DOCUMENT, str(count.pk)),
                reason=count.name,
            )
    InventoryCountLine.objects.bulk_create(lines)
