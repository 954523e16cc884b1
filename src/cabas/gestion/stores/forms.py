from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import STORE_SETTINGS_FIELDS, Store
from cabas.gestion.stores.permissions import Role
from cabas.rules.identifiers import clean_rna, clean_siren


class PersonAddForm(forms.Form):
    username = forms.RegexField(
        label=_("Identifiant"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Lettres, chiffres et . @ + - _ uniquement.")},
    )
    first_name = forms.CharField(label=_("Prénom"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nom"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    # Offered from the least rights up, the least chosen: a manager gives more on purpose.
    role = forms.ChoiceField(
        label=_("Rôle"), choices=list(reversed(Role.choices)), initial=Role.CASHIER
    )
    password = forms.CharField(
        label=_("Mot de passe initial"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Laissez vide pour que la personne choisisse le sien par e-mail."),
    )


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Rôle"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Actif"), required=False)


class StoreSettingsForm(forms.ModelForm):
    # Typed as printed ("732 829 320"): the spaces go before the model's length check.
    siren = forms.CharField(
        label=_("SIREN de l'association"),
        max_length=20,
        required=False,
        help_text=_("9 chiffres, imprimé sur les attestations de dons."),
    )
    rna = forms.CharField(
        label=_("Numéro RNA"),
        max_length=20,
        required=False,
        help_text=_("W suivi de 9 caractères, sur le récépissé de la préfecture."),
    )
    timezone = forms.ChoiceField(
        label=_("Fuseau horaire"),
        choices=[
            (tz, tz)
            for tz in sorted(zoneinfo.available_timezones())
            if tz.startswith(("Europe/", "America/", "Indian/", "Pacific/"))
        ],
    )

    class Meta:
        model = Store
        fields = STORE_SETTINGS_FIELDS

    def clean_siren(self) -> str:
        return _identifier(self.cleaned_data.get("siren", ""), clean_siren)

    def clean_rna(self) -> str:
        return _identifier(self.cleaned_data.get("rna", ""), clean_rna)


def _identifier(text: str, clean: Callable[[str], str]) -> str:
    """The identifier without its spaces, or the French reason it is wrong (empty is fine)."""
    if not text.strip():
        return ""
    try:
        return clean(text)
    except ValueError as error:
        raise forms.ValidationError(str(error)) from None
