"""The journal's filters: person, kind of action, object, period."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cabas.gestion.audit.selectors import store_audit_target_types
from cabas.gestion.core.forms import BoundedDateField
from cabas.gestion.stores.models import Store
from cabas.gestion.stores.selectors import store_members

# Kinds of action as a team thinks of them, each a set of action-code prefixes.
KINDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "team": (_("Équipe et connexions"), ("accounts.", "person.", "membership.", "store.")),
    "catalog": (_("Catalogue"), ("catalog.",)),
    "stock": (_("Stock et inventaires"), ("stock.",)),
    "households": (_("Foyers et droits"), ("household.", "beneficiaries.", "quota.")),
    "purchasing": (_("Fournisseurs, commandes et dons"), ("purchasing.",)),
    "tills": (_("Caisses et ventes"), ("pos.", "sales.")),
}


def _target_label(label: str) -> str:
    try:
        return str(apps.get_model(label)._meta.verbose_name).capitalize()
    except (LookupError, ValueError):
        return label


class AuditFilterForm(forms.Form):
    person = forms.TypedChoiceField(
        label=_("Personne"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(label=_("Type d'action"), required=False)
    target = forms.ChoiceField(label=_("Objet"), required=False)
    since = BoundedDateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = BoundedDateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everyone = [("", _("Tout le monde"))]
        cast(forms.ChoiceField, self.fields["person"]).choices = everyone + [
            (m.user_id, str(m.user)) for m in store_members(store)
        ]
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", _("Toutes"))] + [
            (key, label) for key, (label, _prefixes) in KINDS.items()
        ]
        targets: list[tuple[str, Any]] = sorted(
            ((t, _target_label(t)) for t in store_audit_target_types(store)),
            key=lambda choice: str(choice[1]),
        )
        cast(forms.ChoiceField, self.fields["target"]).choices = [("", _("Tous")), *targets]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise ValidationError({"until": _("La fin de la période est avant son début.")})
        return data

    def filters(self) -> dict[str, Any]:
        """The selector's arguments for a valid form (nothing narrowed for an invalid one)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        kind = KINDS.get(data.get("kind") or "")
        return {
            "actor_id": data.get("person"),
            "action_prefixes": kind[1] if kind else (),
            "target_type": data.get("target") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }
