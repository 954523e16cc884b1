"""Forms of the collection pages: weights typed in kilos, temperatures in degrees, values in
euros; they validate input, the services write."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.gestion.catalog.forms import EurosField
from cabas.gestion.catalog.models import Product, Unit
from cabas.gestion.catalog.selectors import product_find_by_barcode
from cabas.gestion.core.forms import BoundedDateField
from cabas.gestion.pickups.models import (
    TENTHS,
    DonorShop,
    PickupCategory,
    RefusalReason,
)
from cabas.gestion.pickups.services import LineEntry
from cabas.gestion.stores.models import Store
from cabas.rules.quantities import parse_decimal, stored_quantity

# Beyond any crate or truck: keeps 1e30 from the arithmetic (the shop's own, smaller bound
# is the services').
_CEILING_KG = Decimal(1_000_000)


class WeightField(forms.CharField):
    """A weight typed in kilos ("12,5"), cleaned to grams."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            kilos = parse_decimal(text)
        except ValueError:
            raise forms.ValidationError(_("Un poids en kg, par exemple 12,5.")) from None
        if kilos < 0:
            raise forms.ValidationError(_("Un poids ne peut pas être négatif."))
        if kilos > _CEILING_KG:
            raise forms.ValidationError(_("Ce poids n'est pas plausible : vérifiez la saisie."))
        try:
            return stored_quantity(kilos, Unit.KG)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class TemperatureField(forms.CharField):
    """A temperature typed in degrees ("3,5", "-18"), cleaned to tenths of a degree."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 8)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            degrees = parse_decimal(text.replace("°", "").replace("C", "").replace("c", ""))
        except ValueError:
            raise forms.ValidationError(_("Une température en °C, par exemple 3,5.")) from None
        if abs(degrees) > 1000:
            raise forms.ValidationError(
                _("Ce n'est pas une température plausible : vérifiez la saisie.")
            )
        tenths = degrees * TENTHS
        if tenths != tenths.to_integral_value():
            raise forms.ValidationError(_("Au dixième de degré près (3,5)."))
        return int(tenths)


class DonorForm(forms.ModelForm):
    # Typed as printed ("732 829 320"); the service checks it.
    siren = forms.CharField(
        label=_("SIREN"),
        max_length=20,
        help_text=_("9 chiffres, sur le Kbis ou l'annuaire des entreprises."),
    )

    class Meta:
        model = DonorShop
        fields = [
            "name",
            "siren",
            "address",
            "postal_code",
            "city",
            "contact_name",
            "phone",
            "email",
            "valuation",
            "active",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def _post_clean(self) -> None:
        # The service cleans and checks the donor (the SIREN without its spaces first).
        pass


class DonorRatesForm(forms.Form):
    """The donor's value per kilo of each family, blank for the family's own."""

    def __init__(self, *args: Any, categories: list[PickupCategory], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.categories = categories
        for category in categories:
            self.fields[f"rate_{category.pk}"] = EurosField(
                label=str(category.name),
                required=False,
                help_text=_("Vide : %(value)s le kilo, la valeur de la famille.")
                % {"value": f"{category.value_per_kg_cents / 100:.2f}".replace(".", ",") + " €"},
            )

    def rates(self) -> dict[PickupCategory, int | None]:
        return {c: self.cleaned_data.get(f"rate_{c.pk}") for c in self.categories}


class CategoryForm(forms.ModelForm):
    value_per_kg_cents = EurosField(
        label=_("Valeur au kilo (€)"),
        required=False,
        help_text=_("Pour valoriser au kilo les dons des donateurs sans barème propre."),
    )
    max_temperature = TemperatureField(
        label=_("Température maximale à l'arrivée (°C)"),
        required=False,
        help_text=_("Par exemple 4 pour le frais, -15 pour le surgelé."),
    )

    class Meta:
        model = PickupCategory
        fields = ["name", "chilled", "bulk_product", "position", "active"]

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bulk = self.fields["bulk_product"]
        assert isinstance(bulk, forms.ModelChoiceField)
        bulk.queryset = Product.objects.filter(store=store, unit=Unit.KG).order_by("name")
        bulk.empty_label = str(_("— aucun : préciser le produit à chaque pesée —"))
        if self.instance.pk:
            self.initial["value_per_kg_cents"] = self.instance.value_per_kg_cents
            limit = self.instance.max_temperature_tenths
            if limit is not None:
                self.initial["max_temperature"] = f"{limit / TENTHS:g}".replace(".", ",")

    def _post_clean(self) -> None:
        pass

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["value_per_kg_cents"] = data.get("value_per_kg_cents") or 0
        data["max_temperature_tenths"] = data.pop("max_temperature", None)
        return data


class CollectionStartForm(forms.Form):
    donor = forms.ModelChoiceField(
        label=_("Magasin donateur"),
        queryset=DonorShop.objects.none(),
        empty_label=_("— choisir le magasin —"),
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        donor = self.fields["donor"]
        assert isinstance(donor, forms.ModelChoiceField)
        donor.queryset = DonorShop.objects.filter(store=store, active=True)


class CategoryRadio(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        category: PickupCategory = obj
        return f"{category.name} ❄" if category.chilled else category.name


class LineForm(forms.Form):
    """A crate or a product of a round, as a volunteer types it on a phone."""

    category = CategoryRadio(
        label=_("Famille"),
        queryset=PickupCategory.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    code = forms.CharField(
        label=_("Produit (code-barres)"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Vide : la caisse entière est pesée pour la famille."),
    )
    quantity = forms.IntegerField(
        label=_("Nombre de pièces acceptées"),
        required=False,
        min_value=0,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Pour un produit vendu à la pièce."),
    )
    weight = WeightField(label=_("Poids accepté (kg)"), required=False)
    date_kind = forms.ChoiceField(
        label=_("Date"),
        choices=[("dlc", _("DLC")), ("ddm", _("DDM")), ("", _("Sans date"))],
        required=False,
        widget=forms.RadioSelect,
        initial="dlc",
    )
    date = BoundedDateField(
        label=_("Date limite"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    temperature = TemperatureField(
        label=_("Température à l'arrivée (°C)"),
        required=False,
        help_text=_("Obligatoire pour le frais et le surgelé (❄)."),
    )
    declared_value = EurosField(
        label=_("Valeur déclarée par le donateur (€)"),
        required=False,
    )
    refused = WeightField(label=_("Poids refusé (kg)"), required=False)
    refused_reason = forms.ChoiceField(
        label=_("Motif du refus"),
        choices=[("", "—"), *RefusalReason.choices],
        required=False,
    )
    refused_note = forms.CharField(label=_("Précision"), max_length=200, required=False)

    def __init__(self, *args: Any, store: Store, donor: DonorShop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.product_obj: Product | None = None
        category = self.fields["category"]
        assert isinstance(category, forms.ModelChoiceField)
        category.queryset = PickupCategory.objects.filter(store=store, active=True)
        if donor.valuation != "declared":
            del self.fields["declared_value"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = (data.get("code") or "").strip()
        if code:
            match = product_find_by_barcode(self.store, code)
            if match is None:
                self.add_error("code", _("Aucun produit de l'épicerie n'a ce code-barres."))
            else:
                self.product_obj = match.product
        if data.get("date_kind") and data.get("date") is None and not self.has_error("date"):
            data["date_kind"] = ""  # no date typed: none
        if not data.get("date_kind") and data.get("date"):
            self.add_error("date_kind", _("Vous avez saisi une date : DLC ou DDM ?"))
        return data

    def entry(self) -> LineEntry:
        data = self.cleaned_data
        day, kind = data.get("date"), data.get("date_kind")
        return LineEntry(
            category=data["category"],
            product=self.product_obj,
            quantity=data.get("quantity"),
            weight_grams=data.get("weight") or 0,
            dlc=day if kind == "dlc" else None,
            ddm=day if kind == "ddm" else None,
            temperature_tenths=data.get("temperature"),
            refused_grams=data.get("refused") or 0,
            refused_reason=data.get("refused_reason") or "",
            refused_note=data.get("refused_note") or "",
            declared_value_cents=data.get("declared_value"),
        )


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
