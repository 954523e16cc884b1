"""The platform administrator's pages (Django admin, superusers only): shops and their people."""

from __future__ import annotations

from django.contrib import admin

from cabas.gestion.stores.models import Membership, Store


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "city", "timezone", "is_active", "created_at"]
    search_fields = ["name", "slug", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
