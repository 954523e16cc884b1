from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.rules.pins import PIN_MAX_DIGITS, validate_pin


class DeviceRenameForm(forms.Form):
    name = forms.CharField(label=_("Nom de la caisse"), max_length=100)


class CashierPinForm(forms.Form):
    pin = forms.CharField(
        label=_("Nouveau code PIN"),
        max_length=PIN_MAX_DIGITS,
        required=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_(
            "De 4 à 8 chiffres, ni répétés (0000), ni à la suite (1234), ni ceux de sa carte. "
            "Laissez vide et cochez « supprimer » pour l'effacer."
        ),
    )
    pin_confirm = forms.CharField(
        label=_("Confirmez le code PIN"),
        max_length=PIN_MAX_DIGITS,
        required=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    clear = forms.BooleanField(label=_("Supprimer le code PIN"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("clear"):
            return data
        pin = data.get("pin") or ""
        try:
            validate_pin(pin)
        except ValueError as error:
            self.add_error("pin", str(error))
            return data
        if pin != data.get("pin_confirm"):
            self.add_error("pin_confirm", _("Les deux codes PIN ne sont pas identiques."))
        return data
