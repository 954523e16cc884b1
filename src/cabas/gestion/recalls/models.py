"""Recalls of a product or of some of its lots: what is recalled and why, whether the tills
refuse it, and what the shop did about it (households called, goods destroyed or returned).

A recall in the state ``active`` blocks the product on every till (sent in the snapshot and
its delta); its lots left the stock, when it was recorded, through ``recall`` movements.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import StoreOwned


class RecallScope(models.TextChoices):
    PRODUCT = "product", _("tout le produit (tous ses lots)")
    LOTS = "lots", _("des lots choisis")
    DLC_RANGE = "dlc_range", _("les lots d'une plage de DLC")


class RecallSource(models.TextChoices):
    """Who asked for the recall."""

    SUPPLIER = "supplier", _("fournisseur")
    MANUFACTURER = "manufacturer", _("fabricant")
    AUTHORITIES = "authorities", _("autorités (RappelConso, DDPP)")
    FOOD_BANK = "food_bank", _("banque alimentaire ou réseau")
    SHOP = "shop", _("décision de l'épicerie")
    OTHER = "other", _("autre")


class RecallState(models.TextChoices):
    """:data:`RECALL_TRANSITIONS` lists the allowed moves; only ``active`` blocks the tills."""

    ACTIVE = "active", _("en cours : vente bloquée en caisse")
    LIFTED = "lifted", _("vente débloquée, suivi en cours")
    CLOSED = "closed", _("clos")


RECALL_TRANSITIONS: dict[str, frozenset[str]] = {
    RecallState.ACTIVE: frozenset({RecallState.LIFTED, RecallState.CLOSED}),
    RecallState.LIFTED: frozenset({RecallState.CLOSED}),
    RecallState.CLOSED: frozenset(),
}


class Recall(StoreOwned):
    """A product recalled, wholly or by lots (chosen, or those of a DLC range)."""

    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("produit"),
        on_delete=models.PROTECT,
        related_name="recalls",
    )
    scope = models.CharField(_("ce qui est rappelé"), max_length=16, choices=RecallScope.choices)
    dlc_from = models.DateField(_("DLC du"), null=True, blank=True)
    dlc_to = models.DateField(_("DLC au"), null=True, blank=True)
    lots = models.ManyToManyField(
        "stock.Lot", verbose_name=_("lots rappelés"), blank=True, related_name="recalls"
    )
    reason = models.CharField(_("motif"), max_length=300)
    source = models.CharField(_("à la demande de"), max_length=16, choices=RecallSource.choices)
    source_reference = models.CharField(
        _("référence"),
        max_length=120,
        blank=True,
        help_text=_("Numéro de la fiche RappelConso, courrier du fournisseur…"),
    )
    state = models.CharField(
        _("état"), max_length=16, choices=RecallState.choices, default=RecallState.ACTIVE
    )
    # What left the stock when the recall was recorded (pieces, or grams).
    removed_qty = models.BigIntegerField(_("retiré du stock"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("vente débloquée le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)
    # Read by the tills' snapshot delta: a recall recorded, lifted or closed since the cursor
    # sends its product again.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rappel de produit")
        verbose_name_plural = _("rappels de produits")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "state", "product"], name="recalls_recall_state"),
            models.Index(fields=["store", "updated_at"], name="recalls_recall_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(dlc_from__isnull=True)
                | models.Q(dlc_to__isnull=True)
                | models.Q(dlc_from__lte=models.F("dlc_to")),
                name="recalls_recall_dlc_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Rappel {self.pk}"

    def can_become(self, state: str) -> bool:
        return state in RECALL_TRANSITIONS[self.state]

    @property
    def blocks_sales(self) -> bool:
        return self.state == RecallState.ACTIVE

    def lots_label(self) -> str:
        """What is recalled, in words, for the page and the till's message."""
        if self.scope == RecallScope.PRODUCT:
            return str(_("tous les lots"))
        if self.scope == RecallScope.DLC_RANGE and self.dlc_from and self.dlc_to:
            if self.dlc_from == self.dlc_to:
                return str(_("lots de DLC %(day)s")) % {"day": f"{self.dlc_from:%d/%m/%Y}"}
            return str(_("lots de DLC du %(start)s au %(end)s")) % {
                "start": f"{self.dlc_from:%d/%m/%Y}",
                "end": f"{self.dlc_to:%d/%m/%Y}",
            }
        return str(_("lots choisis"))


class RecallActionKind(models.TextChoices):
    RECORDED = "recorded", _("rappel enregistré, vente bloquée, lots retirés du stock")
    HOUSEHOLD_CALLED = "household_called", _("foyer prévenu")
    HOUSEHOLD_UNREACHABLE = "household_unreachable", _("foyer injoignable (message laissé)")
    GOODS_BROUGHT_BACK = "goods_brought_back", _("produit rapporté par un foyer")
    SHELVES_CHECKED = "shelves_checked", _("rayons et réserve vérifiés")
    GOODS_DESTROYED = "goods_destroyed", _("produit détruit")
    GOODS_RETURNED = "goods_returned", _("produit rendu au fournisseur")
    NOTICE_POSTED = "notice_posted", _("affiche posée à la caisse")
    LIFTED = "lifted", _("vente débloquée en caisse")
    CLOSED = "closed", _("rappel clos")
    NOTE = "note", _("autre action")


# The actions a person records on the page (the others are written by the services).
MANUAL_ACTIONS = [
    (kind.value, kind.label)
    for kind in RecallActionKind
    if kind not in (RecallActionKind.RECORDED, RecallActionKind.LIFTED, RecallActionKind.CLOSED)
]


class RecallAction(StoreOwned):
    """Something done about a recall, when and by whom: the trail the authorities may ask for."""

    recall = models.ForeignKey(Recall, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(_("action"), max_length=24, choices=RecallActionKind.choices)
    household = models.ForeignKey(
        "beneficiaries.Household",
        verbose_name=_("foyer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("précision"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("fait le"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("action de rappel")
        verbose_name_plural = _("actions de rappel")
        ordering = ["-done_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.recall_id})"
