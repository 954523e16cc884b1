from __future__ import annotations

from django.contrib import admin

from cabas.gestion.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "store", "actor", "action", "target_repr"]
    list_filter = ["store", "action"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
