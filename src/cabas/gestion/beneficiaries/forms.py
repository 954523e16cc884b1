"""Forms of the beneficiaries' pages: amounts typed in euros, rates in percent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cabas.gestion.beneficiaries.models import Household, Quota
from cabas.gestion.beneficiaries.selectors import store_today
from cabas.gestion.beneficiaries.services import (
    DEFAULT_PERIOD_MONTHS,
    MAX_PERIOD_MONTHS,
    MIN_PERIOD_MONTHS,
    check_rights_start,
)
from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.core.forms import BIRTH_MIN_YEAR, BoundedDateField, BoundedMonthField
from cabas.gestion.stores.models import Store
from cabas.rules.budget import BudgetScale


class EurosField(forms.DecimalField):
    """An amount typed in euros ("12,50"), cleaned to integer cents."""

    def __init__(self, *, min_euros: Decimal | None = Decimal(0), **kwargs: Any) -> None:
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 10)
        # Localised: a text input that accepts "12,50" (a number input would refuse the comma).
        kwargs.setdefault("localize", True)
        super().__init__(min_value=min_euros, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return f"{Decimal(value) / 100:.2f}".replace(".", ",")
        return value

    def clean(self, value: Any) -> int | None:
        euros = super().clean(value)
        if euros is None:
            return None
        return int((euros * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class PercentField(forms.DecimalField):
    """A rate typed in percent ("20" or "12,5"), cleaned to basis points."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("localize", True)
        super().__init__(min_value=Decimal(0), max_value=Decimal(100), **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return percent_text(value)
        return value

    def clean(self, value: Any) -> int | None:
        percent = super().clean(value)
        if percent is None:
            return None
        return int((percent * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The durations the services accept (one rule: services.MIN/MAX_PERIOD_MONTHS).
DURATIONS = [
    (n, format_lazy("{} {}", n, _("mois"))) for n in range(MIN_PERIOD_MONTHS, MAX_PERIOD_MONTHS + 1)
]


class HouseholdForm(forms.ModelForm):
    """A household's whole file (managers only)."""

    income_cents = EurosField(label=_("Ressources mensuelles (€)"), required=False)
    charges_cents = EurosField(label=_("Charges mensuelles (€)"), required=False)
    rate_bp = PercentField(
        label=_("Taux du foyer (%)"),
        required=False,
        help_text=_("Laisser vide pour appliquer les taux de l'épicerie."),
    )
    birth_date = BoundedDateField(
        label=_("Date de naissance"),
        required=False,
        widget=DATE_WIDGET,
        min_year=BIRTH_MIN_YEAR,
    )

    class Meta:
        model = Household
        fields = [*Household.PERSONAL_FIELDS, *Household.FILE_FIELDS]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class RightsStartMixin:
    """The start of rights a person types: near the shop's today (services.check_rights_start)."""

    store: Store | None = None
    cleaned_data: dict[str, Any]

    def clean_start(self) -> Any:
        start = self.cleaned_data["start"]
        if start is not None and self.store is not None:
            try:
                check_rights_start(start, store_today(self.store))
            except ValidationError as error:
                raise ValidationError(error.message_dict["start"]) from error
        return start


class AdmissionForm(RightsStartMixin, forms.Form):
    start = BoundedDateField(label=_("Début des droits"), widget=DATE_WIDGET)
    months = forms.TypedChoiceField(
        label=_("Durée"), choices=DURATIONS, coerce=int, initial=DEFAULT_PERIOD_MONTHS
    )

    def __init__(self, *args: Any, store: Store | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store


class HouseholdCreateForm(RightsStartMixin, HouseholdForm):
    """Registration: the file, the first admission and the notice."""

    def __init__(self, *args: Any, store: Store | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store

    start = BoundedDateField(label=_("Début des droits"), widget=DATE_WIDGET)
    months = forms.TypedChoiceField(
        label=_("Durée"), choices=DURATIONS, coerce=int, initial=DEFAULT_PERIOD_MONTHS
    )
    monthly_budget_cents = EurosField(
        label=_("Budget mensuel (€)"),
        required=False,
        help_text=_("Laisser vide pour appliquer le barème de l'épicerie."),
    )
    privacy_accepted = forms.BooleanField(
        label=_("La notice d'information a été remise et acceptée"),
        error_messages={
            "required": _(
                "Remettez la notice d'information au foyer et cochez cette case : un foyer "
                "ne s'enregistre pas sans elle."
            )
        },
    )


class MemberForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=100)
    birth_date = BoundedDateField(
        label=_("Date de naissance"),
        required=False,
        widget=DATE_WIDGET,
        min_year=BIRTH_MIN_YEAR,
    )
    is_adult = forms.BooleanField(label=_("Adulte"), required=False)


MemberFormSet = forms.formset_factory(MemberForm, extra=2, can_delete=True, max_num=20)


class RenewForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Durée"), choices=DURATIONS, coerce=int, initial=DEFAULT_PERIOD_MONTHS
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=300)


class BudgetForm(forms.Form):
    monthly_budget_cents = EurosField(label=_("Budget mensuel (€)"))
    reason = forms.CharField(label=_("Motif"), max_length=300, required=False)


class SpendingCorrectionForm(forms.Form):
    month = BoundedMonthField(label=_("Mois (AAAA-MM)"), widget=forms.TextInput())
    delta_cents = EurosField(label=_("Correction (€, négative pour retirer)"), min_euros=None)
    reason = forms.CharField(label=_("Motif"), max_length=300)

    def clean_delta_cents(self) -> int:
        value = self.cleaned_data["delta_cents"]
        if value == 0:
            raise ValidationError(_("La correction ne peut pas être nulle."))
        return value


class SettingsForm(forms.Form):
    shop_rate_bp = PercentField(label=_("Taux de participation de l'épicerie (%)"))
    scale_one = EurosField(label=_("Budget pour 1 adulte (€)"))
    scale_two = EurosField(label=_("Budget pour 2 adultes (€)"))
    per_extra_adult_cents = EurosField(label=_("Par adulte en plus (€)"))
    per_child_cents = EurosField(label=_("Par enfant (€)"))
    origin_ceilings = forms.CharField(
        label=_("Plafonds par provenance"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Une ligne par provenance : « programme:FSE+ = 0 » (gratuit), "
            "« donation = 10 » (au plus 10 %)."
        ),
    )
    reste_a_vivre_threshold_cents = EurosField(
        label=_("Seuil de reste à vivre par personne et par jour (€)")
    )
    anonymisation_months = forms.IntegerField(
        label=_("Anonymiser les foyers … mois après la fin de leurs droits"),
        min_value=1,
        max_value=120,
    )
    privacy_notice = forms.CharField(
        label=_("Notice d'information (RGPD)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Laisser vide pour la notice par défaut."),
    )

    def clean_origin_ceilings(self) -> dict[str, int]:
        ceilings: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["origin_ceilings"].splitlines(), 1):
            if not line.strip():
                continue
            origin, sep, value = line.partition("=")
            try:
                percent = Decimal(value.strip().replace(",", ".").rstrip("%").strip())
            except ArithmeticError:
                percent = Decimal(-1)
            if not sep or not origin.strip() or not 0 <= percent <= 100:
                raise ValidationError(
                    _("Ligne %(n)d : attendu « provenance = pourcentage » (0 à 100).")
                    % {"n": number}
                )
            ceilings[origin.strip()] = int((percent * 100).quantize(Decimal(1)))
        return ceilings

    def scale(self) -> dict[str, object]:
        data = self.cleaned_data
        return BudgetScale(
            base_cents_by_adults={1: data["scale_one"], 2: data["scale_two"]},
            per_extra_adult_cents=data["per_extra_adult_cents"],
            per_child_cents=data["per_child_cents"],
        ).to_dict()


def percent_text(rate_bp: int) -> str:
    """Basis points as typed in percent: 2000 → "20", 1250 → "12,5", 0 → "0"."""
    whole, rest = divmod(rate_bp, 100)
    return f"{whole},{rest:02d}".rstrip("0") if rest else str(whole)


def ceilings_text(ceilings: dict[str, int]) -> str:
    return "\n".join(
        f"{origin} = {percent_text(value)}" for origin, value in sorted(ceilings.items())
    )


class QuotaForm(forms.ModelForm):
    limits_by_size = forms.CharField(
        label=_("Limites par taille de foyer"),
        required=False,
        help_text=_("Facultatif, une ligne par taille : « 3 = 4 » (4 pour un foyer de 3)."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Quota
        fields = [
            "label",
            "product",
            "category",
            "unit",
            "base_quantity",
            "per_extra_person",
            "limits_by_size",
            "active",
        ]

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product = cast(forms.ModelChoiceField, self.fields["product"])
        product.queryset = Product.objects.filter(store=store, active=True)
        category = cast(forms.ModelChoiceField, self.fields["category"])
        category.queryset = Category.objects.filter(store=store).select_related("parent")
        if self.instance.pk and isinstance(self.instance.limits_by_size, dict):
            self.initial["limits_by_size"] = "\n".join(
                f"{size} = {limit}" for size, limit in self.instance.limits_by_size.items()
            )

    def clean_limits_by_size(self) -> dict[str, int]:
        limits: dict[str, int] = {}
        for line in self.cleaned_data["limits_by_size"].splitlines():
            if not line.strip():
                continue
            size, sep, limit = line.partition("=")
            if not (sep and size.strip().isdigit() and limit.strip().isdigit()):
                raise ValidationError(_("Attendu « taille = limite » (nombres entiers)."))
            limits[str(int(size))] = int(limit)
        return limits

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("product")) == bool(data.get("category")):
            raise ValidationError(_("Choisissez un produit ou un rayon, pas les deux."))
        return data
