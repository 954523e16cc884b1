"""Suppliers and donors, what they sell, purchase orders and their life cycle, deliveries and
donations, and the outbox of e-mails to suppliers.

The purchase order's life cycle is written once, in :data:`ORDER_TRANSITIONS`; only
:func:`cabas.gestion.purchasing.services.purchase_order_transition` changes ``state``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.catalog.models import Origin
from cabas.gestion.stores.models import StoreOwned
from cabas.rules import pricing


class SupplierKind(models.TextChoices):
    SUPPLIER = "supplier", _("fournisseur")
    DONOR = "donor", _("donateur")
    FOOD_BANK = "food_bank", _("banque alimentaire")
    PROGRAMME = "programme", _("programme d'aide")
    SUPERMARKET = "supermarket", _("grande surface (ramasse)")
    COLLECTION = "collection", _("collecte publique")


# Goods from a donor come without an order; their lots carry this origin (price ceilings,
# funders' returns). A programme's goods are EU aid or national by its code: see origin_of.
KIND_ORIGIN: dict[str, str] = {
    SupplierKind.SUPPLIER: pricing.ORIGIN_PURCHASE,
    SupplierKind.DONOR: pricing.ORIGIN_DONATION,
    SupplierKind.FOOD_BANK: pricing.ORIGIN_FOOD_BANK,
    SupplierKind.PROGRAMME: pricing.ORIGIN_PROGRAMME,
    SupplierKind.SUPERMARKET: pricing.ORIGIN_SUPERMARKET,
    SupplierKind.COLLECTION: pricing.ORIGIN_COLLECTION,
}


def origin_of(kind: str, programme: str = "") -> str:
    """The origin of goods from a supplier of ``kind`` (and programme code ``programme``)."""
    if kind == SupplierKind.PROGRAMME:
        return pricing.programme_origin(programme)
    return KIND_ORIGIN[kind]


WEEKDAYS = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
    (5, _("samedi")),
    (6, _("dimanche")),
]


class Supplier(StoreOwned):
    """Someone goods come from: a supplier the shop orders from, or a donor (a person or firm,
    a food bank, a funding programme such as FSE+ or CNES) whose deliveries come unordered."""

    name = models.CharField(_("nom"), max_length=120)
    kind = models.CharField(
        _("type"), max_length=16, choices=SupplierKind.choices, default=SupplierKind.SUPPLIER
    )
    programme = models.CharField(
        _("programme"),
        max_length=20,
        blank=True,
        help_text=_("Code court du programme d'aide (FSE+, CNES…) pour un programme."),
    )
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    address = models.TextField(_("adresse"), blank=True)
    # Weekday numbers (0 = Monday) on which the supplier delivers.
    delivery_days = models.JSONField(_("jours de livraison"), default=list, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(
        _("délai de livraison (jours)"), default=2, validators=[MaxValueValidator(90)]
    )
    minimum_order_cents = models.PositiveIntegerField(_("minimum de commande"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("fournisseur ou donateur")
        verbose_name_plural = _("fournisseurs et donateurs")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="purchasing_supplier_name")
        ]
        indexes = [models.Index(fields=["store", "kind"], name="purchasing_supplier_kind")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_donor(self) -> bool:
        return self.kind != SupplierKind.SUPPLIER

    @property
    def origin(self) -> str:
        """The origin of the goods that come from here (one of cabas.rules.pricing.ORIGINS)."""
        return origin_of(self.kind, self.programme)

    def delivery_days_display(self) -> str:
        names = dict(WEEKDAYS)
        return ", ".join(str(names[day]) for day in sorted(self.delivery_days) if day in names)


class SupplierProduct(StoreOwned):
    """A product as a supplier sells it: its reference, its pack and the pack's price.

    ``pack_size`` is a number of units for a product sold by the piece, or grams for a weighed
    product (a 5 kg sack of potatoes: 5000)."""

    supplier = models.ForeignKey(
        Supplier, verbose_name=_("fournisseur"), on_delete=models.CASCADE, related_name="products"
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("produit"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("référence fournisseur"), max_length=60, blank=True)
    pack_size = models.PositiveIntegerField(
        _("colisage"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Unités par colis, ou grammes pour un produit au kilo."),
    )
    pack_price_cents = models.PositiveIntegerField(_("prix du colis (HT)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("produit du fournisseur")
        verbose_name_plural = _("produits du fournisseur")
        ordering = ["product__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "product"], name="purchasing_supplier_product_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference or self.product_id} × {self.pack_size}"


class OrderState(models.TextChoices):
    """States of a purchase order; :data:`ORDER_TRANSITIONS` lists the allowed moves."""

    DRAFT = "draft", _("brouillon")
    SENT = "sent", _("envoyée")
    PARTLY_RECEIVED = "partly_received", _("reçue en partie")
    RECEIVED = "received", _("reçue")
    CANCELLED = "cancelled", _("annulée")


# The whole life cycle. PARTLY_RECEIVED → RECEIVED is both "the rest arrived" and "closed with
# the remainder cancelled" (the order's ``remainder_cancelled_at`` tells them apart).
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderState.DRAFT: frozenset({OrderState.SENT, OrderState.CANCELLED}),
    OrderState.SENT: frozenset(
        {OrderState.PARTLY_RECEIVED, OrderState.RECEIVED, OrderState.CANCELLED}
    ),
    OrderState.PARTLY_RECEIVED: frozenset({OrderState.RECEIVED}),
    OrderState.RECEIVED: frozenset(),
    OrderState.CANCELLED: frozenset(),
}
# Orders whose goods are still expected: what they still bring counts as "on order".
OPEN_STATES = (OrderState.SENT, OrderState.PARTLY_RECEIVED)
RECEIVABLE_STATES = OPEN_STATES


class PurchaseOrder(StoreOwned):
    """A *bon de commande* to one supplier, in the supplier's packs."""

    number = models.PositiveIntegerField(_("numéro"))
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("fournisseur"), on_delete=models.PROTECT, related_name="orders"
    )
    state = models.CharField(
        _("état"), max_length=20, choices=OrderState.choices, default=OrderState.DRAFT
    )
    expected_on = models.DateField(_("livraison souhaitée le"), null=True, blank=True)
    note = models.TextField(_("note pour le fournisseur"), blank=True)
    # Kept by the services from the lines (pack price × packs), for lists and the minimum.
    total_cents = models.PositiveIntegerField(_("total HT"), default=0)
    from_suggestion = models.BooleanField(default=False, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # How many times the bon de commande was (re)sent: each sending is one e-mail, keyed by it.
    send_count = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(_("soldée le"), null=True, blank=True)
    remainder_cancelled_at = models.DateTimeField(_("reliquat annulé le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="purchasing_order_number")
        ]
        indexes = [
            models.Index(fields=["store", "state", "-created_at"], name="purchasing_order_state"),
            models.Index(fields=["store", "-created_at"], name="purchasing_order_recent"),
        ]

    def __str__(self) -> str:
        return f"BC-{self.number:05d}"

    @property
    def reference(self) -> str:
        return str(self)

    def can_become(self, state: str) -> bool:
        return state in ORDER_TRANSITIONS[self.state]

    @property
    def is_editable(self) -> bool:
        return self.state == OrderState.DRAFT

    @property
    def is_receivable(self) -> bool:
        return self.state in RECEIVABLE_STATES


class PurchaseOrderLine(StoreOwned):
    """One product of an order: so many packs of so many units (or grams) at the pack price."""

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("produit"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(_("référence fournisseur"), max_length=60, blank=True)
    packs = models.PositiveIntegerField(_("colis"), validators=[MinValueValidator(1)])
    pack_size = models.PositiveIntegerField(_("colisage"), validators=[MinValueValidator(1)])
    pack_price_cents = models.PositiveIntegerField(_("prix du colis (HT)"))
    # Units (or grams) received so far, the substitutes included; kept by the reception service.
    received_qty = models.BigIntegerField(_("reçu"), default=0)
    # Units (or grams) given up when the order was closed with its remainder cancelled.
    cancelled_qty = models.BigIntegerField(_("annulé"), default=0)

    class Meta:
        verbose_name = _("ligne de commande")
        verbose_name_plural = _("lignes de commande")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="purchasing_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.packs} × {self.pack_size} ({self.product_id})"

    @property
    def ordered_qty(self) -> int:
        return self.packs * self.pack_size

    @property
    def total_cents(self) -> int:
        return self.packs * self.pack_price_cents

    @property
    def remaining_qty(self) -> int:
        return max(self.ordered_qty - self.received_qty - self.cancelled_qty, 0)


class EmailState(models.TextChoices):
    PENDING = "pending", _("en attente d'envoi")
    SENDING = "sending", _("envoi en cours")
    SENT = "sent", _("envoyé")
    FAILED = "failed", _("échec, nouvel essai prévu")


class OutgoingEmail(StoreOwned):
    """An e-mail waiting to go out, going out, or gone: the durable outbox.

    Written in the transaction that decides to send (so it is never lost), sent after commit by
    :func:`cabas.gestion.purchasing.mail.outgoing_email_deliver`, retried by
    ``cabas send_pending_mail`` until the mail server accepts it. ``key`` is unique, so one
    sending of one order (order + its send count) is one row, and a row is claimed by one
    conditional UPDATE before it is sent, so it is never sent twice.
    """

    key = models.CharField(max_length=100, unique=True)
    order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )
    to = models.JSONField(_("destinataires"), default=list)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("message"))
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment = models.BinaryField(blank=True, default=b"")
    attachment_mimetype = models.CharField(max_length=60, blank=True)
    state = models.CharField(
        _("état"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    attempts = models.PositiveIntegerField(_("essais"), default=0)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("dernière erreur"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail sortant")
        verbose_name_plural = _("e-mails sortants")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="purchasing_email_due"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class DeliveryKind(models.TextChoices):
    RECEPTION = "reception", _("réception de commande")
    DONATION = "donation", _("don")


class Delivery(StoreOwned):
    """Goods that came in together: the reception of (part of) an order, or a donation that came
    without an order. Its movements in the stock ledger name it as ("purchasing.delivery", id)."""

    kind = models.CharField(_("nature"), max_length=12, choices=DeliveryKind.choices)
    supplier = models.ForeignKey(
        Supplier,
        verbose_name=_("fournisseur ou donateur"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    order = models.ForeignKey(
        PurchaseOrder,
        verbose_name=_("commande"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # Origin given to the lots (one of cabas.rules.pricing.ORIGINS) and the programme's code.
    origin = models.CharField(_("provenance"), max_length=16, choices=Origin.choices)
    programme = models.CharField(_("programme"), max_length=20, blank=True)
    received_at = models.DateTimeField(_("reçue le"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField(_("remarques (marchandise abîmée…)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("livraison")
        verbose_name_plural = _("livraisons")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["store", "kind", "-received_at"], name="purchasing_delivery_kind"),
        ]

    def __str__(self) -> str:
        if self.kind == DeliveryKind.DONATION:
            return f"Don {self.pk} ({self.supplier_id})"
        return f"Livraison {self.pk}"


class DeliveryLine(StoreOwned):
    """One product received: how much, into which lot, in place of which ordered line."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        PurchaseOrderLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="delivery_lines",
    )
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("produit"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantité reçue"))
    lot = models.ForeignKey(
        "stock.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dlc = models.DateField(_("DLC"), null=True, blank=True)
    ddm = models.DateField(_("DDM"), null=True, blank=True)
    damaged_note = models.CharField(_("abîmé"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ligne de livraison")
        verbose_name_plural = _("lignes de livraison")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.delivery_id}: {self.quantity} × {self.product_id}"

    @property
    def is_substitution(self) -> bool:
        return self.order_line is not None and self.order_line.product_id != self.product_id
