from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cabas.gestion.catalog.models import Barcode, CatalogSettings, Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "store", "position")
    list_filter = ("store",)


class BarcodeInline(admin.TabularInline):
    model = Barcode
    extra = 0
    can_delete = False
    readonly_fields = ("code", "kind", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # barcodes are attached through la gestion (check digits, uniqueness)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "brand", "category", "store", "price_cents", "stock_qty", "active")
    list_filter = ("store", "active", "origin")
    search_fields = ("name", "brand", "barcodes__code")
    readonly_fields = ("stock_qty",)
    inlines = [BarcodeInline]


admin.site.register(CatalogSettings)
