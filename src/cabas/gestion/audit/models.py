"""Append-only audit events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("objet"), max_length=64)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(_("désignation"), max_length=200, blank=True)
    changes = models.JSONField(_("modifications"), default=dict, blank=True)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("événement du journal")
        verbose_name_plural = _("journal des modifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "-created_at"], name="audit_store_recent")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"
