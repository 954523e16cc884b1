from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from cabas.gestion.accounts import otp
from cabas.gestion.accounts.models import User

SIX_DIGITS = re.compile(r"^\d{6}$")


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
        return str(self.cleaned_data["token"]).strip()


class VerifyForm(forms.Form):
    """The code at sign-in: the app's six digits, or one of the recovery codes."""

    token = forms.CharField(
        label=_("Code à 6 chiffres ou code de secours"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}
        ),
    )

    def clean_token(self) -> str:
        token = str(self.cleaned_data["token"]).strip()
        if not (SIX_DIGITS.match(token) or otp.recovery_code_normal(token)):
            raise forms.ValidationError(
                _("Saisissez les 6 chiffres affichés par l'application, ou un code de secours.")
            )
        return token


class DisableForm(TokenForm):
    """Switching the second factor off asks for a current code: a session left open is not
    enough to remove it."""


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


class ResetForm(PasswordResetForm):
    """«Mot de passe oublié» for everyone who may sign in, including a person added without a
    password who has not chosen one yet (Django's own form skips unusable passwords; here an
    unusable password only means "not chosen yet": accounts are never password-less by
    design)."""

    def get_users(self, email: str) -> Iterator[Any]:
        users = User.objects.filter(email__iexact=email, is_active=True)
        return (user for user in users if _email_matches(user.email, email))


def _email_matches(stored: str, typed: str) -> bool:
    return bool(stored) and stored.casefold() == typed.casefold()
