"""Forms of the beneficiaries' pages: amounts typed in euros, rates in percent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cabas.gestion.beneficiaries.models import Household, Quota
from cabas.gestion.beneficiaries.services import (
    DEFAULT_PERIOD_MONTHS,
    MAX_PERIOD_MONTHS,
    MIN_PERIOD_MONTHS,
    check_birth_date,
    check_rights_start,
)
from cabas.gestion.catalog.models import Category
from cabas.gestion.catalog.picker import ProductPickerField
from cabas.gestion.core.forms import (
    BIRTH_MIN_YEAR,
    BoundedDateField,
    BoundedMonthField,
    QuantityField,
    stored_quantity_or_error,
)
from cabas.gestion.core.widgets import NamedRowsFormSet
from cabas.gestion.stores.models import Store
from cabas.rules.budget import BudgetScale
from cabas.rules.pricing import ORIGIN_DONATION, ORIGIN_PROGRAMME
from cabas.rules.quantities import typed_quantity


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

    def clean_birth_date(self) -> Any:
        return _birth_date_not_ahead(self.cleaned_data["birth_date"])


def _birth_date_not_ahead(day: Any) -> Any:
    """Shown with the form's other errors; the services check it again in the shop's zone."""
    try:
        check_birth_date(day, timezone.localdate())
    except ValidationError as error:
        raise ValidationError(error.message_dict["birth_date"]) from error
    return day


class RightsStartMixin:
    """The start of rights a person types: near the shop's today (services.check_rights_start)."""

    store: Store | None = None
    cleaned_data: dict[str, Any]

    def clean_start(self) -> Any:
        start = self.cleaned_data["start"]
        if start is not None and self.store is not None:
            try:
                check_rights_start(start, self.store.today())
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

    def clean_privacy_accepted(self) -> bool:
        if not self.cleaned_data.get("privacy_accepted"):
            raise ValidationError(
                _(
                    "Remettez la notice d'information au foyer et cochez cette case : un foyer "
                    "ne s'enregistre pas sans elle."
                )
            )
        return True

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
    # Not required in HTML: clean_privacy_accepted's French message, with the form's other
    # errors, rather than the browser's own bubble.
    privacy_accepted = forms.BooleanField(
        label=_("La notice d'information a été remise et acceptée"), required=False
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

    def clean_birth_date(self) -> Any:
        return _birth_date_not_ahead(self.cleaned_data["birth_date"])


class MemberRowsFormSet(NamedRowsFormSet):
    row_name = _("personne %(n)s")


MemberFormSet = forms.formset_factory(
    MemberForm, formset=MemberRowsFormSet, extra=2, can_delete=True, max_num=20
)


class RenewForm(forms.Form):
    """Shown beside a "Renouveler" button, once per household of a list: no id, its own name."""

    months = forms.TypedChoiceField(
        label=_("Durée"),
        choices=DURATIONS,
        coerce=int,
        initial=DEFAULT_PERIOD_MONTHS,
        widget=forms.Select(attrs={"aria-label": _("Durée du renouvellement")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


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
        value: int = self.cleaned_data["delta_cents"]
        if value == 0:
            raise ValidationError(_("La correction ne peut pas être nulle."))
        return value


class SettingsForm(forms.Form):
    shop_rate_bp = PercentField(label=_("Taux de participation de l'épicerie (%)"))
    scale_one = EurosField(label=_("Budget pour 1 adulte (€)"))
    scale_two = EurosField(label=_("Budget pour 2 adultes (€)"))
    per_extra_adult_cents = EurosField(label=_("Par adulte en plus (€)"))
    per_child_cents = EurosField(label=_("Par enfant (€)"))
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

    # Ceilings: one field per origin ("donation", "programme", "programme:<code>"), plus two
    # rows to name a programme the shop does not know yet.
    NEW_PROGRAMMES = 2

    def __init__(
        self,
        *args: Any,
        programmes: Iterable[str] = (),
        ceilings: Mapping[str, int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        ceilings = dict(ceilings or {})
        codes = sorted(
            {code for code in programmes if code}
            | {key.split(":", 1)[1] for key in ceilings if key.startswith(f"{ORIGIN_PROGRAMME}:")}
        )
        self.origin_keys = [ORIGIN_DONATION, ORIGIN_PROGRAMME] + [
            f"{ORIGIN_PROGRAMME}:{code}" for code in codes
        ]
        # Origins the rows above do not name (kept as they are).
        self.other_ceilings = {k: v for k, v in ceilings.items() if k not in self.origin_keys}
        fields: dict[str, forms.Field] = {}
        for index, key in enumerate(self.origin_keys):
            fields[f"ceiling_{index}"] = PercentField(
                label=_ceiling_label(key), required=False, help_text=_ceiling_help(key)
            )
            if key in ceilings:
                self.initial[f"ceiling_{index}"] = ceilings[key]
        for n in range(self.NEW_PROGRAMMES):
            fields[f"new_programme_{n}"] = forms.CharField(
                label=_("Autre programme (son code)"),
                max_length=20,
                required=False,
                help_text=_("Par exemple CNES ; puis son plafond juste en dessous."),
            )
            fields[f"new_ceiling_{n}"] = PercentField(
                label=_("Plafond de ce programme (%)"), required=False
            )
        # Shown where the old text box was: after the scale, before the thresholds.
        names = list(self.fields)
        at = names.index("reste_a_vivre_threshold_cents")
        self.fields = {
            **{k: self.fields[k] for k in names[:at]},
            **fields,
            **{k: self.fields[k] for k in names[at:]},
        }

    def ceilings(self) -> dict[str, int]:
        """The ceilings typed, in basis points by origin key (empty: no ceiling)."""
        data = self.cleaned_data
        found = dict(self.other_ceilings)
        for index, key in enumerate(self.origin_keys):
            if data.get(f"ceiling_{index}") is not None:
                found[key] = data[f"ceiling_{index}"]
        for n in range(self.NEW_PROGRAMMES):
            code = (data.get(f"new_programme_{n}") or "").strip()
            if code and data.get(f"new_ceiling_{n}") is not None:
                found[f"{ORIGIN_PROGRAMME}:{code}"] = data[f"new_ceiling_{n}"]
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(self.NEW_PROGRAMMES):
            code = (data.get(f"new_programme_{n}") or "").strip()
            if code and data.get(f"new_ceiling_{n}") is None:
                self.add_error(f"new_ceiling_{n}", _("Indiquez le plafond de ce programme."))
            if not code and data.get(f"new_ceiling_{n}") is not None:
                self.add_error(f"new_programme_{n}", _("Indiquez le code du programme."))
        return data

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


def _ceiling_label(key: str) -> str:
    if key == ORIGIN_DONATION:
        return str(_("Plafond des produits donnés (%)"))
    if key == ORIGIN_PROGRAMME:
        return str(_("Plafond des produits de tout programme d'aide (%)"))
    return str(_("Plafond du programme %(code)s (%%)") % {"code": key.split(":", 1)[1]})


def _ceiling_help(key: str) -> str:
    if key == ORIGIN_DONATION:
        return str(_("Au plus ce taux de participation ; 0 : gratuit ; vide : pas de plafond."))
    return ""


# The household sizes a quota may name a limit for: one plain field each.
QUOTA_SIZES = range(1, 9)
QUOTA_UNITS = [("piece", _("pièces")), ("kg", _("kg"))]
QUANTITY_FIELDS = ("base_quantity", "per_extra_person")


class QuotaForm(forms.Form):
    """A quota: its target (a product or a rayon), its quantities (pieces, or kilos) and an
    optional limit per household size, one field each."""

    label = forms.CharField(label=_("Libellé"), max_length=80)
    product = ProductPickerField(label=_("Produit"), required=False)
    category = forms.ModelChoiceField(
        label=_("ou rayon"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("— aucun —"),
        help_text=_("Un produit, ou un rayon (avec ses sous-rayons) : l'un des deux."),
    )
    unit = forms.ChoiceField(
        label=_("Unité"),
        choices=QUOTA_UNITS,
        initial="piece",
        help_text=_("Pour un produit, celle de sa vente s'applique."),
    )
    base_quantity = QuantityField(label=_("Quantité pour une personne"), min_value=0)
    per_extra_person = QuantityField(
        label=_("En plus par personne"), min_value=0, required=False, initial="0"
    )
    active = forms.BooleanField(label=_("Actif"), required=False, initial=True)

    def __init__(self, *args: Any, store: Store, quota: Quota | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(ProductPickerField, self.fields["product"]).limit_to(store)
        category = cast("forms.ModelChoiceField[Any]", self.fields["category"])
        category.queryset = Category.objects.filter(store=store).select_related("parent")
        for size in QUOTA_SIZES:
            self.fields[f"size_{size}"] = QuantityField(
                label=format_lazy(
                    "{} {} {}",
                    _("Limite pour un foyer de"),
                    size,
                    _("personne") if size == 1 else _("personnes"),
                ),
                min_value=0,
                required=False,
                help_text=_("Vide : la règle ci-dessus.") if size == 1 else "",
            )
        self.order_fields(
            ["label", "product", "category", "unit", *QUANTITY_FIELDS]
            + [f"size_{size}" for size in QUOTA_SIZES]
            + ["active"]
        )
        if quota is not None and quota.pk:
            unit = quota.unit
            self.initial.update(
                label=quota.label,
                product=quota.product_id,
                category=quota.category_id,
                unit=unit,
                active=quota.active,
                **{name: typed_quantity(getattr(quota, name), unit) for name in QUANTITY_FIELDS},
                **{
                    f"size_{size}": typed_quantity(limit, unit)
                    for size, limit in (quota.limits_by_size or {}).items()
                },
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product, category = data.get("product"), data.get("category")
        if bool(product) == bool(category):
            raise ValidationError(_("Choisissez un produit ou un rayon (l'un des deux)."))
        unit = product.unit if product else data.get("unit", "piece")
        data["unit"] = unit
        for name in QUANTITY_FIELDS:
            data[name] = stored_quantity_or_error(self, name, data.get(name), unit) or 0
        limits: dict[str, int] = {}
        for size in QUOTA_SIZES:
            limit = stored_quantity_or_error(self, f"size_{size}", data.get(f"size_{size}"), unit)
            if limit is not None:
                limits[str(size)] = limit
        data["limits_by_size"] = limits
        return data

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in ("label", "product", "category", "unit", *QUANTITY_FIELDS, "active")
        } | {"limits_by_size": data["limits_by_size"]}
