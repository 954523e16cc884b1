"""Reads about sales: tickets, anomalies, quarantine, for the sales pages."""

from __future__ import annotations

from django.db.models import QuerySet

from cabas.gestion.sales.models import QuarantinedPayload
from cabas.gestion.stores.models import Store


def store_quarantine(store: Store) -> QuerySet[QuarantinedPayload]:
    return QuarantinedPayload.objects.filter(store=store).select_related("device").defer("raw")
