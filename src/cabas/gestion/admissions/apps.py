from __future__ import annotations

from django.apps import AppConfig


class AdmissionsConfig(AppConfig):
    name = "cabas.gestion.admissions"
    label = "admissions"
    verbose_name = "Admissions"

    def ready(self) -> None:
        from cabas.gestion.admissions import privacy  # noqa: F401  (registrations)
