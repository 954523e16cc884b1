"""Saved statistics: a builder definition a manager named, shared with the shop's managers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import StoreOwned


class SavedStatistic(StoreOwned):
    """``definition`` is a :class:`cabas.gestion.reports.statistics.StatisticDefinition` as
    JSON, validated on every write and read."""

    name = models.CharField(_("nom"), max_length=100)
    definition = models.JSONField(_("définition"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("statistique enregistrée")
        verbose_name_plural = _("statistiques enregistrées")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="reports_statistic_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
