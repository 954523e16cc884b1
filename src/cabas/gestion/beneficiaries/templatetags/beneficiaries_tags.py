"""Card codes and the audit trail in the beneficiaries' pages (amounts and rates:
``{% load cabas %}``)."""

from __future__ import annotations

from typing import cast

from django import template
from django.utils.translation import gettext_lazy as _

from cabas.gestion.beneficiaries import codes
from cabas.gestion.core.templatetags.cabas import euros, rate
from cabas.gestion.core.templatetags.words import month_name

register = template.Library()


register.filter("month_name", month_name)  # the shared one (cabas.gestion.core)


@register.filter
def card_code(code: str) -> str:
    return codes.display(code)


@register.filter
def member_age(member: object, today: object) -> int | None:
    return member.age_on(today)  # type: ignore[attr-defined]


ACTION_LABELS = {
    "household.created": _("foyer enregistré"),
    "household.updated": _("dossier modifié"),
    "household.members_changed": _("composition modifiée"),
    "household.funder_answers_changed": _("réponses facultatives (financeurs) modifiées"),
    "household.budget_changed": _("budget modifié"),
    "household.spending_corrected": _("dépenses corrigées"),
    "household.rights_admitted": _("droits ouverts"),
    "household.rights_renewed": _("droits renouvelés"),
    "household.rights_suspended": _("droits suspendus"),
    "household.rights_resumed": _("droits repris"),
    "household.card_reissued": _("carte remplacée"),
    "household.privacy_accepted": _("notice acceptée"),
    "household.anonymised": _("foyer anonymisé"),
}
FIELD_LABELS = {
    "monthly_budget_cents": _("budget"),
    "spent_cents": _("dépensé"),
    "rate_bp": _("taux"),
    "adults": _("adultes"),
    "children": _("enfants"),
    "rights": _("droits"),
    "rights_suspended": _("suspendus"),
    "code": _("code"),
    "month": _("mois"),
}


@register.filter
def audit_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


@register.filter
def audit_changes(changes: dict[str, list[object]]) -> str:
    """``{"monthly_budget_cents": [2000, 3000]}`` → ``"budget : 20,00 € → 30,00 €"``."""
    parts = []
    for name, change in (changes or {}).items():
        old, new = (list(change) + [None, None])[:2]
        if name.endswith("_cents"):
            old, new = euros(cast(int | None, old)), euros(cast(int | None, new))
        elif name.endswith("_bp"):
            old, new = rate(cast(int | None, old)), rate(cast(int | None, new))
        elif name == "code":
            old, new = card_code(str(old)), card_code(str(new))
        elif isinstance(new, bool):
            old, new = (_("oui") if v else _("non") for v in (old, new))
        label = FIELD_LABELS.get(name, name)
        parts.append(
            f"{label} : {'—' if old in (None, '') else old} → {'—' if new is None else new}"
        )
    return " · ".join(parts)
