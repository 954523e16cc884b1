from __future__ import annotations

from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "cabas.gestion.home"
    label = "home"
    verbose_name = "Accueil"
