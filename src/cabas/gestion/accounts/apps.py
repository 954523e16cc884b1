from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cabas.gestion.accounts"
    label = "accounts"
    verbose_name = "Comptes"
