"""The household's optional answers to the funders' categories: one page, from its file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cabas.gestion.beneficiaries import selectors
from cabas.gestion.beneficiaries.funders import funder_answers_of, funder_answers_set
from cabas.gestion.beneficiaries.models import FunderAnswers
from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm

_YES_NO = [
    ("", gettext_lazy("non renseigné")),
    ("yes", gettext_lazy("oui")),
    ("no", gettext_lazy("non")),
]


class FunderAnswersForm(forms.Form):
    consent = forms.BooleanField(
        label=gettext_lazy(
            "Le foyer accepte explicitement de répondre à ces questions facultatives"
        ),
        required=False,
        help_text=gettext_lazy(
            "Sans son accord, rien n'est enregistré et les rapports indiquent « non renseigné ». "
            "Décocher efface les réponses."
        ),
    )
    women = forms.IntegerField(
        label=gettext_lazy("Nombre de femmes dans le foyer"), min_value=0, required=False
    )
    disabled = forms.IntegerField(
        label=gettext_lazy("Nombre de personnes en situation de handicap"),
        min_value=0,
        required=False,
    )
    migrants = forms.IntegerField(
        label=gettext_lazy("Nombre de personnes migrantes ou d'origine étrangère"),
        min_value=0,
        required=False,
    )
    homeless = forms.ChoiceField(
        label=gettext_lazy("Foyer sans domicile"), choices=_YES_NO, required=False
    )

    @classmethod
    def initial_for(cls, row: FunderAnswers | None) -> dict[str, Any]:
        if row is None:
            return {}
        homeless = "" if row.homeless is None else ("yes" if row.homeless else "no")
        return {
            "consent": row.consent,
            "women": row.women,
            "disabled": row.disabled,
            "migrants": row.migrants,
            "homeless": homeless,
        }

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        homeless = {"yes": True, "no": False}.get(data.get("homeless") or "")
        return {
            "women": data.get("women"),
            "disabled": data.get("disabled"),
            "migrants": data.get("migrants"),
            "homeless": homeless,
        }


@store_view(Perm.BENEFICIARIES_MANAGE)
@require_http_methods(["GET", "POST"])
def household_funder_answers(request: StoreRequest, pk: int) -> HttpResponse:
    household = selectors.household_file(request.store, pk)
    row = funder_answers_of(household)
    form = FunderAnswersForm(request.POST or None, initial=FunderAnswersForm.initial_for(row))
    if request.method == "POST" and form.is_valid():
        try:
            funder_answers_set(
                household=household,
                actor=request.user,
                consent=form.cleaned_data["consent"],
                answers=form.answers(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("Réponses enregistrées.")
                if form.cleaned_data["consent"]
                else _("Sans consentement : aucune réponse n'est conservée."),
            )
            return redirect("beneficiaries:detail", pk=household.pk)
    return render(
        request,
        "beneficiaries/funder_answers.html",
        {"section": "beneficiaries", "form": form, "household": household, "row": row},
    )
