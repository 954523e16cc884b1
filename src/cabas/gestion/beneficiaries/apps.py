from __future__ import annotations

from django.apps import AppConfig


class BeneficiariesConfig(AppConfig):
    name = "cabas.gestion.beneficiaries"
    label = "beneficiaries"
    verbose_name = "Bénéficiaires"
