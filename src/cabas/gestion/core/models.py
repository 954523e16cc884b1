"""Rows the shared pieces of la gestion keep for every app: an uploaded file waiting for its
confirmation (see `cabas.gestion.imports`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import StoreOwned


class PendingImport(StoreOwned):
    """An uploaded spreadsheet between its preview and its confirmation.

    The raw cells are kept (not the verdicts) while the file waits: confirming validates them
    again against the shop's data as it is then. Applying or cancelling the file empties
    ``rows`` (the name, status and count stay); files left unconfirmed for a day are deleted
    (see ``cabas.gestion.imports.pending_imports_purge``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("en attente")
        APPLIED = "applied", _("appliqué")
        CANCELLED = "cancelled", _("abandonné")

    kind = models.CharField(max_length=40)
    """The importer's name ("products", "households")."""
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=200)
    rows = models.JSONField(default=list)
    """The file's lines as {column key: text}, header excluded; empty once applied or
    cancelled."""
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    applied_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import en attente")
        verbose_name_plural = _("imports en attente")

    def __str__(self) -> str:
        return self.filename
