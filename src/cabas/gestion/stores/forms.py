from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import STORE_SETTINGS_FIELDS, Store
from cabas.gestion.stores.permissions import Role


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
