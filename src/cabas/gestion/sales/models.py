"""Sales as the tills sent them: tickets, their lines and payments, the anomalies found in
them, and the payloads that could not be stored (the quarantine)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import StoreOwned


class QuarantinedPayload(StoreOwned):
    """A payload a till sent that could not be stored as a ticket (or a cash session): kept
    whole, with the reason, for the manager to read. Never deleted by the server."""

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
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.object_id or ''} ({self.reason})"
