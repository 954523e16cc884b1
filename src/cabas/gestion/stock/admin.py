"""Platform admin: the stock is read-only here. Movements are written only by the stock
services (the ledger is append-only), levels only with their movement."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cabas.gestion.stock.models import InventoryCount, Lot, StockMovement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "store",
        "product",
        "kind",
        "quantity",
        "lot",
        "document_type",
        "document_id",
        "created_by",
    )
    list_filter = ("store", "kind")
    list_select_related = ("store", "product", "lot", "created_by")
    raw_id_fields = ("product", "lot")
    show_full_result_count = False  # counting a million-row ledger on every page is slow


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "store", "product", "dlc", "ddm", "quantity", "received_at")
    list_filter = ("store", "origin")
    list_select_related = ("store", "product")


@admin.register(InventoryCount)
class InventoryCountAdmin(ReadOnlyAdmin):
    list_display = ("name", "store", "state", "created_at", "started_at", "closed_at")
    list_filter = ("store", "state")
