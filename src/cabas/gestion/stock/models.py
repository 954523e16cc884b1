"""The stock of a shop: the append-only ledger of movements, lots with their dates, and
inventory counts.

The ledger (:class:`StockMovement`) is the truth. Two levels are kept beside it for speed and
are written only by :mod:`cabas.gestion.stock.services`, in the transaction of the movement:
``catalog.Product.stock_qty`` and :attr:`Lot.quantity`. ``cabas check_stock`` recomputes both
from the ledger.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.catalog.models import Origin
from cabas.gestion.stores.models import StoreLedIndexes, StoreOwned


class MovementKind(models.TextChoices):
    """Why stock moved. :data:`KIND_SIGNS` says which sign each kind's quantity takes."""

    RECEPTION = "reception", _("réception")
    DONATION = "donation", _("don reçu")
    SALE = "sale", _("vente")
    REFUND = "refund", _("retour client")
    LOSS = "loss", _("casse ou perte")
    EXPIRY = "expiry", _("destruction (date dépassée)")
    RECALL = "recall", _("retrait (rappel de produit)")
    ADJUSTMENT = "adjustment", _("ajustement d'inventaire")
    CORRECTION = "correction", _("correction")


# +1: the quantity must be positive; -1: negative; 0: either sign (never zero).
KIND_SIGNS: dict[str, int] = {
    MovementKind.RECEPTION: 1,
    MovementKind.DONATION: 1,
    MovementKind.SALE: -1,
    MovementKind.REFUND: 1,
    MovementKind.LOSS: -1,
    MovementKind.EXPIRY: -1,
    MovementKind.RECALL: -1,
    MovementKind.ADJUSTMENT: 0,
    MovementKind.CORRECTION: 0,
}


class LossCause(models.TextChoices):
    """Causes offered when a loss is entered; the label is written in the movement's reason."""

    BREAKAGE = "casse", _("Casse")
    SPOILED = "abime", _("Produit abîmé")
    THEFT = "vol", _("Vol ou disparition")
    OTHER = "autre", _("Autre")


# A lot's origin is one of the catalogue's (purchase, food bank, EU aid, programme, ramasse,
# collection, other donation): the funders' returns count the kilograms by it.
LotOrigin = Origin


class Lot(StoreOwned):
    """Units of one product that came in together and share a date: a *DLC* (use-by, not
    sellable after it) or a *DDM* (best-before, still sellable after it, flagged).

    ``quantity`` is what remains (pieces, or grams for weighed products), the sum of the
    movements that name the lot; only the stock services write it.
    """

    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("produit"),
        on_delete=models.PROTECT,
        related_name="lots",
    )
    dlc = models.DateField(_("DLC (à consommer jusqu'au)"), null=True, blank=True)
    ddm = models.DateField(_("DDM (à consommer de préférence avant)"), null=True, blank=True)
    received_at = models.DateTimeField(_("reçu le"))
    quantity = models.BigIntegerField(_("quantité restante"), default=0)
    origin = models.CharField(
        _("provenance"), max_length=16, choices=LotOrigin.choices, default=LotOrigin.PURCHASE
    )
    source_label = models.CharField(
        _("fournisseur, donateur ou programme"), max_length=120, blank=True
    )
    # The programme's code (FSE+, PNAA, MMPT…) for a lot of EU aid or of a national programme.
    programme = models.CharField(_("programme"), max_length=20, blank=True)
    # The document the lot came in with, e.g. ("purchasing.delivery", "42").
    source_document_type = models.CharField(max_length=40, blank=True)
    source_document_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["dlc", "ddm", "received_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dlc__isnull=True) | models.Q(ddm__isnull=True),
                name="stock_lot_one_date_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "product", "dlc"], name="stock_lot_product"),
            models.Index(fields=["store", "dlc"], name="stock_lot_store_dlc"),
            models.Index(fields=["store", "ddm"], name="stock_lot_store_ddm"),
        ]

    def __str__(self) -> str:
        if self.dlc:
            return f"Lot {self.pk} (DLC {self.dlc:%d/%m/%Y})"
        if self.ddm:
            return f"Lot {self.pk} (DDM {self.ddm:%d/%m/%Y})"
        return f"Lot {self.pk}"

    # Set by the selectors on the lots they list (cabas.rules.dates.sellability).
    sellability: str

    @property
    def expiry(self) -> date | None:
        """The date FEFO orders by: the DLC, else the DDM."""
        return self.dlc or self.ddm

    @property
    def received(self) -> date:
        return self.received_at.date()


class StockMovement(StoreLedIndexes):
    """One change of stock. Append-only: no service, form or admin updates or deletes one; a
    mistake is undone by another movement."""

    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("produit"),
        on_delete=models.PROTECT,
        related_name="stock_movements",
    )
    lot = models.ForeignKey(
        Lot,
        verbose_name=_("lot"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
    )
    kind = models.CharField(_("nature"), max_length=16, choices=MovementKind.choices)
    quantity = models.BigIntegerField(
        _("quantité"), help_text=_("Signée : pièces, ou grammes pour un produit pesé.")
    )
    # Its weight in grams, signed like the quantity, written with it from the product's weight
    # (see cabas.gestion.stock.weights); NULL when the product's weight per piece is unknown.
    grams = models.BigIntegerField(_("poids (g)"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    occurred_at = models.DateTimeField(_("date"))
    # The document the movement comes from: ("sale.ticket", "<uuid>"), ("stock.count", "12")…
    # See cabas.gestion.stock.documents for the page each type links to.
    document_type = models.CharField(max_length=40, blank=True)
    document_id = models.CharField(max_length=64, blank=True)
    # For a refund: the sale document it gives back (same document_type), so that two partial
    # refunds of one ticket never return the same units to a lot twice.
    refunded_document_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(_("motif"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("mouvement de stock")
        verbose_name_plural = _("mouvements de stock")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The history of a product (newest first); quantity last makes it cover the ledger
            # sums too (check_stock, stock at a date): an index-only scan, no row lookups.
            models.Index(
                fields=["store", "product", "-occurred_at", "-id", "quantity"],
                name="stock_mvt_product_ledger",
            ),
            models.Index(fields=["store", "-occurred_at", "-id"], name="stock_mvt_recent"),
            models.Index(fields=["document_type", "document_id"], name="stock_mvt_document"),
        ]

    # Set by selectors.movements_with_documents for the pages.
    document_link: str | None
    document_name: Any

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} (produit {self.product_id})"


class CountState(models.TextChoices):
    """States of an inventory count; :data:`COUNT_TRANSITIONS` lists the allowed moves."""

    DRAFT = "draft", _("brouillon")
    IN_PROGRESS = "in_progress", _("en cours")
    VALIDATED = "validated", _("validé")
    CANCELLED = "cancelled", _("annulé")


COUNT_TRANSITIONS: dict[str, frozenset[str]] = {
    CountState.DRAFT: frozenset({CountState.IN_PROGRESS, CountState.CANCELLED}),
    CountState.IN_PROGRESS: frozenset({CountState.VALIDATED, CountState.CANCELLED}),
    CountState.VALIDATED: frozenset(),
    CountState.CANCELLED: frozenset(),
}


class InventoryCount(StoreOwned):
    """A physical count of the whole shop (no category chosen) or of some rayons."""

    name = models.CharField(_("nom"), max_length=120)
    state = models.CharField(
        _("état"), max_length=16, choices=CountState.choices, default=CountState.DRAFT
    )
    categories = models.ManyToManyField(
        "catalog.Category", verbose_name=_("rayons"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inventaire")
        verbose_name_plural = _("inventaires")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "-created_at"], name="stock_count_recent")]

    def __str__(self) -> str:
        return self.name

    def can_become(self, state: str) -> bool:
        return state in COUNT_TRANSITIONS[self.state]


class InventoryCountLine(StoreOwned):
    """One product of a count: what the ledger held at the start, what was counted and when."""

    count = models.ForeignKey(InventoryCount, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("produit"), on_delete=models.PROTECT, related_name="+"
    )
    expected_at_start = models.BigIntegerField(_("stock au début"))
    counted = models.BigIntegerField(_("compté"), null=True, blank=True)
    counted_at = models.DateTimeField(_("compté le"), null=True, blank=True)
    # Written at validation: the adjustment recorded for this line (0 when none was needed).
    adjustment = models.BigIntegerField(_("ajustement"), null=True, blank=True)

    class Meta:
        verbose_name = _("ligne d'inventaire")
        verbose_name_plural = _("lignes d'inventaire")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "product"], name="stock_count_line_unique")
        ]

    # Set by the selectors and services that read a count against the ledger.
    difference: int | None
    value_cents: int

    def __str__(self) -> str:
        return f"{self.count_id}/{self.product_id}: {self.counted}"


class InventoryCountLotLine(StoreOwned):
    """What was found of one lot of a count line's product (``lot`` empty: the units outside
    any lot). A product that held lots at the start of the count can be counted lot by lot:
    its line's ``counted`` is then the sum of these, and the validation adjusts each lot."""

    line = models.ForeignKey(InventoryCountLine, on_delete=models.CASCADE, related_name="lot_lines")
    lot = models.ForeignKey(
        Lot,
        verbose_name=_("lot"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    expected_at_start = models.BigIntegerField(_("stock au début"))
    counted = models.BigIntegerField(_("compté"), null=True, blank=True)
    counted_at = models.DateTimeField(_("compté le"), null=True, blank=True)
    adjustment = models.BigIntegerField(_("ajustement"), null=True, blank=True)

    class Meta:
        verbose_name = _("lot d'une ligne d'inventaire")
        verbose_name_plural = _("lots des lignes d'inventaire")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "lot"], name="stock_count_lot_line_unique"),
            models.UniqueConstraint(
                fields=["line"],
                condition=models.Q(lot__isnull=True),
                name="stock_count_lot_line_one_unlotted",
            ),
        ]

    # Set by the selectors that read a count against the ledger.
    difference: int | None

    def __str__(self) -> str:
        return f"{self.line_id}/{self.lot_id}: {self.counted}"
