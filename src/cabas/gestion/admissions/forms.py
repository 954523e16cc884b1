"""Forms of admissions: the referral (public or typed from paper), the links, the settings, the
committee's sessions and decisions. Every text refuses what no person types (a lone surrogate,
the replacement character an undecodable byte becomes); numbers and dates have bounds."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.gestion.admissions.models import AdmissionSettings, PartnerLink, Referral
from cabas.gestion.beneficiaries.forms import DATE_WIDGET, DURATIONS, EurosField
from cabas.gestion.core.forms import BIRTH_MIN_YEAR, BoundedDateField

# Lone surrogates, the replacement character (what a byte that is no UTF-8 becomes on the
# way in) and the control characters other than tab and newlines.
_UNTYPABLE = re.compile("[\ud800-\udfff\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
UNTYPABLE_MESSAGE = _("Ce texte contient des caractères invalides : retapez-le.")
MAX_EUROS = Decimal(100_000)
MAX_PERSONS = 20
TEXT_LENGTH = 3000


class CleanTextForm(forms.Form):
    """Refuses, on their field, the texts that hold characters no keyboard types."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and _UNTYPABLE.search(value):
                self.add_error(name, UNTYPABLE_MESSAGE)
        return cleaned

    def full_clean(self) -> None:
        # A field may fail on its own check before ``clean`` sees it (an e-mail with a lone
        # surrogate): replace that message with ours, so the person knows what to fix.
        super().full_clean()
        for name in list(self.errors):
            raw = self.data.get(self.add_prefix(name)) if name in self.fields else None
            if isinstance(raw, str) and _UNTYPABLE.search(raw):
                self.errors[name] = self.error_class([str(UNTYPABLE_MESSAGE)])


def _persons(label: Any, minimum: int, initial: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=minimum, max_value=MAX_PERSONS, initial=initial
    )


class ReferralForm(CleanTextForm):
    """The fiche de liaison; ``questions`` are the shop's own, asked after the others."""

    service = forms.CharField(label=_("Service orienteur"), max_length=150)
    referrer_name = forms.CharField(label=_("Travailleur social (nom)"), max_length=150)
    referrer_email = forms.EmailField(
        label=_("E-mail du travailleur social"),
        max_length=254,
        required=False,
        help_text=_("La décision de la commission y sera annoncée, avec la seule référence."),
    )
    referrer_phone = forms.CharField(
        label=_("Téléphone du travailleur social"), max_length=30, required=False
    )
    last_name = forms.CharField(label=_("Nom de la personne de référence"), max_length=100)
    first_name = forms.CharField(label=_("Prénom"), max_length=100, required=False)
    birth_date = BoundedDateField(
        label=_("Date de naissance"),
        required=False,
        min_year=BIRTH_MIN_YEAR,
        widget=DATE_WIDGET,
    )
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    address = forms.CharField(label=_("Adresse"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Code postal"), max_length=10, required=False)
    commune = forms.CharField(label=_("Commune"), max_length=100, required=False)
    adults = _persons(_("Adultes"), 1, 1)
    children = _persons(_("Enfants"), 0, 0)
    income_cents = EurosField(label=_("Ressources mensuelles (€)"), max_value=MAX_EUROS)
    charges_cents = EurosField(label=_("Charges mensuelles (€)"), max_value=MAX_EUROS)
    reason = forms.CharField(
        label=_("Motif de l'orientation"),
        max_length=TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    goal = forms.CharField(
        label=_("Objectif de l'accompagnement"),
        max_length=TEXT_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        questions: list[str] | tuple[str, ...] = (),
        partner: PartnerLink | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for number, question in enumerate(self.questions):
            self.fields[f"question_{number}"] = forms.CharField(
                label=question,
                max_length=TEXT_LENGTH,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        if partner is not None:
            # Through a partner's link the service is the link's.
            del self.fields["service"]
            self.fields["consent"] = forms.BooleanField(
                label=_(
                    "La personne a été informée que ces informations sont transmises à "
                    "l'épicerie pour l'examen de sa demande."
                ),
                required=True,
            )

    def referral_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = [n for n in self.fields if not n.startswith("question_") and n != "consent"]
        values = {name: data[name] for name in fields}
        for name, value in values.items():
            if value is None and name in ("first_name", "phone", "email"):
                values[name] = ""
        return values

    def answers(self) -> dict[str, str]:
        return {q: self.cleaned_data.get(f"question_{n}", "") for n, q in enumerate(self.questions)}


class PartnerLinkForm(CleanTextForm):
    service = forms.CharField(label=_("Service partenaire"), max_length=150)
    contact_email = forms.EmailField(
        label=_("E-mail du service (facultatif)"), max_length=254, required=False
    )
    expires_on = BoundedDateField(label=_("Valable jusqu'au"), widget=DATE_WIDGET)


class AdmissionSettingsForm(CleanTextForm):
    default_months = forms.TypedChoiceField(
        label=_("Durée habituelle des droits"), choices=DURATIONS, coerce=int
    )
    renewals_allowed = forms.IntegerField(
        label=_("Renouvellements possibles à la suite"), min_value=0, max_value=5
    )
    waiting_months = forms.IntegerField(
        label=_("Délai de carence ensuite (mois)"), min_value=0, max_value=36
    )
    questions = forms.CharField(
        label=_("Questions de l'épicerie (une par ligne)"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    @classmethod
    def for_settings(cls, current: AdmissionSettings, data: Any = None) -> AdmissionSettingsForm:
        return cls(
            data,
            initial={
                "default_months": current.default_months,
                "renewals_allowed": current.renewals_allowed,
                "waiting_months": current.waiting_months,
                "questions": "\n".join(current.questions),
            },
        )


class ReferralsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _referral_label(obj)


def _referral_label(referral: Referral) -> str:
    return (
        f"{referral.reference} · {referral.last_name.upper()} {referral.first_name[:1]} · "
        f"{referral.service}"
    )


class SessionForm(CleanTextForm):
    held_on = BoundedDateField(label=_("Date de la commission"), widget=DATE_WIDGET)
    members = forms.CharField(label=_("Membres présents"), max_length=300, required=False)
    referrals = ReferralsField(
        label=_("Orientations examinées"),
        queryset=Referral.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins une orientation à examiner.")},
    )

    def __init__(self, *args: Any, waiting: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(ReferralsField, self.fields["referrals"])
        field.queryset = waiting


OUTCOMES = [
    ("admitted", _("Admis")),
    ("refused", _("Refusé")),
    ("postponed", _("Ajourné")),
]


class DecisionForm(CleanTextForm):
    outcome = forms.ChoiceField(label=_("Décision"), choices=OUTCOMES, widget=forms.RadioSelect)
    months = forms.TypedChoiceField(
        label=_("Durée des droits"), choices=DURATIONS, coerce=int, required=False
    )
    budget_cents = EurosField(label=_("Budget mensuel (€)"), required=False, max_value=MAX_EUROS)
    start = BoundedDateField(label=_("Début des droits"), widget=DATE_WIDGET, required=False)
    reason = forms.CharField(label=_("Motif"), max_length=300, required=False)
