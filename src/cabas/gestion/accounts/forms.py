from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Code à 6 chiffres"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Saisissez les 6 chiffres affichés par l'application.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class SetupForm(TokenForm):
    """Setting up a first authenticator: the code e-mailed to the account, then the app's."""

    email_code = forms.RegexField(
        label=_("Code reçu par e-mail (8 chiffres)"),
        regex=r"^\s*\d{8}\s*$",
        error_messages={"invalid": _("Saisissez les 8 chiffres du code reçu par e-mail.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    field_order = ["email_code", "token"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The e-mailed code comes first on the page: the cursor starts there.
        self.fields["token"].widget.attrs.pop("autofocus", None)
        self.fields["email_code"].widget.attrs["autofocus"] = True
