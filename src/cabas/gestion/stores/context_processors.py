"""The navigation a person's role may see; entries whose pages do not exist yet are left out."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.permissions import Perm
from cabas.gestion.stores.selectors import active_memberships, request_membership


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    perm: str
    section: str


NAVIGATION = [
    NavEntry(_("Caisse"), "pos:home", Perm.TILL_USE, "pos"),
    NavEntry(_("Produits"), "catalog:product_list", Perm.CATALOG_VIEW, "catalog"),
    NavEntry(_("Stock"), "stock:home", Perm.STOCK_MANAGE, "stock"),
    NavEntry(
        _("Fournisseurs et commandes"), "purchasing:home", Perm.PURCHASING_MANAGE, "purchasing"
    ),
    NavEntry(_("Bénéficiaires"), "beneficiaries:list", Perm.BENEFICIARIES_LOOKUP, "beneficiaries"),
    NavEntry(_("Rendez-vous"), "accompaniment:day", Perm.APPOINTMENTS_BOOK, "appointments"),
    NavEntry(_("Admissions"), "admissions:queue", Perm.ADMISSIONS_MANAGE, "admissions"),
    NavEntry(_("Ventes"), "sales:ticket_list", Perm.SALES_VIEW, "sales"),
    NavEntry(_("Rapports"), "reports:home", Perm.REPORTS_VIEW, "reports"),
    NavEntry(_("Paramètres"), "stores:settings", Perm.STORE_SETTINGS, "settings"),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = request_membership(request)
    entries = []
    if membership is not None:
        for entry in NAVIGATION:
            if not membership.has_perm(entry.perm):
                continue
            try:
                url = reverse(entry.url_name)
            except NoReverseMatch:
                continue  # that part of Cabas is not built yet
            entries.append({"label": entry.label, "url": url, "section": entry.section})
    return {
        "nav_entries": entries,
        "current_membership": membership,
        "other_store_count": max(active_memberships(user).count() - 1, 0),
    }
