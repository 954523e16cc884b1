"""The permission matrix: which role may do what in its shop. Enforced only through here.

docs/permissions.md is the human-readable copy of this table; a test keeps them in step.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MANAGER = "responsable", _("Responsable")
    STOCK = "stock", _("Gestionnaire de stock")
    CASHIER = "caisse", _("Hôte de caisse")


class Perm:
    """Capabilities; a view names the one it needs."""

    STORE_SETTINGS = "store.settings"
    PEOPLE_MANAGE = "people.manage"
    AUDIT_VIEW = "audit.view"
    CATALOG_VIEW = "catalog.view"
    CATALOG_MANAGE = "catalog.manage"
    STOCK_MANAGE = "stock.manage"
    PURCHASING_MANAGE = "purchasing.manage"
    BENEFICIARIES_LOOKUP = "beneficiaries.lookup"
    BENEFICIARIES_MANAGE = "beneficiaries.manage"
    ADMISSIONS_MANAGE = "admissions.manage"
    SALES_VIEW = "sales.view"
    SALES_REVIEW = "sales.review"
    TILL_USE = "till.use"
    TILL_MANAGE = "till.manage"
    REPORTS_VIEW = "reports.view"
    STOCK_REPORTS_VIEW = "reports.stock"
    ACCOMPANIMENT_MANAGE = "accompaniment.manage"
    ACCOMPANIMENT_NOTES = "accompaniment.notes"
    APPOINTMENTS_BOOK = "appointments.book"


_EVERYONE = {Perm.BENEFICIARIES_LOOKUP, Perm.TILL_USE, Perm.APPOINTMENTS_BOOK}
_STOCK = {
    Perm.CATALOG_VIEW,
    Perm.CATALOG_MANAGE,
    Perm.STOCK_MANAGE,
    Perm.PURCHASING_MANAGE,
    Perm.STOCK_REPORTS_VIEW,
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.MANAGER: frozenset(
        {value for key, value in vars(Perm).items() if key.isupper() and isinstance(value, str)}
    ),
    Role.STOCK: frozenset(_EVERYONE | _STOCK),
    Role.CASHIER: frozenset(_EVERYONE | {Perm.SALES_VIEW}),
}


def role_has(role: str, perm: str) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())
