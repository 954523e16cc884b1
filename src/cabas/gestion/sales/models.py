"""Sales as the tills sent them: tickets, their lines and payments, the anomalies found in
them, and the payloads that could not be stored (the quarantine)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import StoreLedIndexes, StoreOwned

DOCUMENT_TYPE = "sales.ticket"
"""How stock movements name a ticket (`document_id` is the ticket's UUID)."""


class Ticket(StoreLedIndexes):
    """A sale (or a refund) as a till sent it. The primary key is the till's UUID: the database
    refuses a second insert of the same id, which is what makes `POST tickets` idempotent."""

    id = models.UUIDField(primary_key=True)
    device = models.ForeignKey("pos.Device", on_delete=models.PROTECT, related_name="tickets")
    created_at = models.DateTimeField(_("date"))
    received_at = models.DateTimeField(_("reçu le"))
    month = models.CharField(_("mois"), max_length=7)
    cashier = models.ForeignKey(
        "stores.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caissier"),
    )
    cashier_ref = models.BigIntegerField(null=True, blank=True)
    household = models.ForeignKey(
        "beneficiaries.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("foyer"),
    )
    beneficiary_code = models.CharField(_("carte"), max_length=64, blank=True)
    cash_session_id = models.UUIDField(null=True, blank=True)
    refund_of = models.UUIDField(_("remboursement du ticket"), null=True, blank=True)
    total_cents = models.BigIntegerField(_("total"))
    full_price_cents = models.BigIntegerField(_("total au prix plein"))
    change_cents = models.BigIntegerField(_("rendu"), default=0)
    line_count = models.PositiveSmallIntegerField(_("lignes"))
    fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["store", "-created_at"], name="sales_ticket_store_recent"),
            models.Index(fields=["store", "household", "month"], name="sales_ticket_household"),
            models.Index(fields=["cash_session_id"], name="sales_ticket_session"),
            models.Index(fields=["refund_of"], name="sales_ticket_refund_of"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.pk}"

    @property
    def is_refund(self) -> bool:
        return self.refund_of is not None

    @property
    def saving_cents(self) -> int:
        return self.full_price_cents - self.total_cents


LINE_STATISTICS_COLUMNS = [
    "product",
    "quantity",
    "grams",
    "unit",
    "total_cents",
    "full_price_cents",
    "ticket",
    "device",
    "cashier",
    "household",
    "refund_of",
]
"""What the statistics read from a line (the covering index's payload)."""


class TicketLine(StoreLedIndexes):
    """A line as sold: `quantity` in pieces or grams (negative in a refund), prices per piece or
    per kilo. `product` is null when the line named no product of this shop.

    `created_at`, `device`, `cashier`, `household` and `refund_of` are copies of the ticket's
    (written once, by :func:`ticket_fields_copy_onto_lines`; a ticket never changes): the
    statistics over a year of lines read them from the lines' covering index on
    (store, created_at) instead of joining every line to its ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product_ref = models.BigIntegerField(null=True, blank=True)
    barcode = models.CharField(_("code-barres"), max_length=64, blank=True)
    label = models.CharField(_("libellé"), max_length=200)
    quantity = models.BigIntegerField(_("quantité"))
    unit = models.CharField(_("unité"), max_length=8)
    unit_price_cents = models.BigIntegerField(_("prix unitaire"))
    full_price_cents = models.BigIntegerField(_("prix plein"))
    total_cents = models.BigIntegerField(_("total"))
    # Its weight in grams, signed like the quantity, computed at intake from the product's
    # weight (cabas.rules.weights.movement_grams); NULL when unknown ("sans poids").
    grams = models.BigIntegerField(_("poids (g)"), null=True, blank=True)
    # Copies of the ticket's fields. The foreign keys have no constraint and no index of their
    # own: the ticket's row holds the checked value (and PROTECTs it), and every read goes
    # through the (store, created_at) index; a constraint or an index per column would only
    # slow the intake down.
    created_at = models.DateTimeField(_("date"))
    device = models.ForeignKey(
        "pos.Device",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    cashier = models.ForeignKey(
        "stores.Membership",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    household = models.ForeignKey(
        "beneficiaries.Household",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
    )
    refund_of = models.UUIDField(null=True, blank=True)

    class Meta:
        verbose_name = _("ligne de ticket")
        verbose_name_plural = _("lignes de ticket")
        ordering = ["ticket", "position"]
        indexes = [
            # A year of lines is one range of this index; on PostgreSQL it also holds every
            # column the statistics read (an index-only scan). Other databases ignore
            # `include` (hence models.W040 silenced in the settings).
            models.Index(
                fields=["store", "created_at"],
                include=LINE_STATISTICS_COLUMNS,
                name="sales_line_store_time_kg",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} × {self.quantity}"


# The ticket's fields the statistics group and filter lines by, copied onto each line.
TICKET_FIELDS_ON_LINES = ("created_at", "device_id", "cashier_id", "household_id", "refund_of")


def ticket_fields_copy_onto_lines(
    ticket: Mapping[str, Any], lines: Iterable[MutableMapping[str, Any]]
) -> None:
    """Copy onto the ticket's line rows (attribute name → value), before they are written, the
    ticket's fields the statistics group and filter lines by (the only place these copies are
    made)."""
    for line in lines:
        for name in TICKET_FIELDS_ON_LINES:
            line[name] = ticket[name]


class TicketPayment(StoreOwned):
    class Method(models.TextChoices):
        CASH = "cash", _("espèces")
        CARD = "card", _("carte bancaire")
        CHEQUE = "cheque", _("chèque")
        VOUCHER = "voucher", _("bon d'achat")
        OTHER = "other", _("autre")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(_("moyen"), max_length=10, choices=Method.choices)
    amount_cents = models.BigIntegerField(_("montant"))
    tendered_cents = models.BigIntegerField(_("remis"), null=True, blank=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")

    def __str__(self) -> str:
        return f"{self.method} {self.amount_cents}"


class Anomaly(StoreLedIndexes):
    """Something in a stored ticket the manager should look at. A sale that happened is never
    refused: it is stored, and flagged here."""

    class Kind(models.TextChoices):
        UNKNOWN_PRODUCT = "unknown_product", _("produit inconnu")
        UNKNOWN_BARCODE = "unknown_barcode", _("code-barres inconnu")
        PRICE_MISMATCH = "price_mismatch", _("prix différent des règles du jour")
        BENEFICIARY_UNKNOWN = "beneficiary_unknown", _("bénéficiaire inconnu")
        BENEFICIARY_SUSPENDED = "beneficiary_suspended", _("droits suspendus")
        BENEFICIARY_EXPIRED = "beneficiary_expired", _("droits expirés")
        BUDGET_EXCEEDED = "budget_exceeded", _("budget dépassé")
        QUOTA_EXCEEDED = "quota_exceeded", _("quota dépassé")
        DLC_PASSED = "dlc_passed", _("DLC dépassée")
        RECALLED = "recalled", _("produit rappelé")
        CASHIER_UNKNOWN = "cashier_unknown", _("caissier inconnu")
        REFUND_ORIGINAL_UNKNOWN = "refund_original_unknown", _("ticket remboursé inconnu")
        REFUND_EXCEEDS_SALE = "refund_exceeds_sale", _("remboursement supérieur à la vente")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="anomalies")
    line_position = models.PositiveSmallIntegerField(_("ligne"), null=True, blank=True)
    kind = models.CharField(_("nature"), max_length=32, choices=Kind.choices)
    message = models.CharField(_("message"), max_length=300)
    details = models.JSONField(_("détails"), default=dict, blank=True)
    created_at = models.DateTimeField(_("relevée le"), auto_now_add=True)
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_note = models.CharField(_("commentaire"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("anomalie")
        verbose_name_plural = _("anomalies")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["store", "handled_at", "-created_at"], name="sales_anomaly_todo"),
        ]

    def __str__(self) -> str:
        return self.message


class QuarantinedPayload(StoreOwned):
    """A payload a till sent that could not be stored as a ticket (or a cash session): its first
    CABAS_QUARANTINE_KEEP_BYTES bytes (`truncated` past them), the SHA-256 and size of the
    whole, with the reason, for the manager to read. Bounded: at most
    CABAS_QUARANTINE_PER_DEVICE rows per till (the oldest go first), and `cabas
    purge_quarantine` erases those older than CABAS_QUARANTINE_RETENTION_DAYS."""

    class Kind(models.TextChoices):
        TICKET = "ticket", _("ticket")
        BATCH = "batch", _("envoi de tickets")
        CASH_SESSION = "cash_session", _("session de caisse")

    device = models.ForeignKey(
        "pos.Device", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    object_id = models.CharField(_("identifiant"), max_length=100, blank=True)
    reason = models.CharField(_("motif"), max_length=40)
    message = models.TextField(_("message"))
    details = models.JSONField(_("détails"), null=True, blank=True)
    raw = models.TextField(_("contenu reçu"))
    truncated = models.BooleanField(_("tronqué"), default=False)
    body_sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True, default="")
    body_size = models.PositiveBigIntegerField(_("taille (octets)"), default=0)
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("vu le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("envoi mis en quarantaine")
        verbose_name_plural = _("quarantaine")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["store", "-received_at"], name="sales_quarantine_recent"),
            models.Index(fields=["device", "received_at"], name="sales_quarantine_device"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id or ''} ({self.reason})"
