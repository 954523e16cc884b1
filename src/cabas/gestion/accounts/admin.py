from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from cabas.gestion.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    pass
