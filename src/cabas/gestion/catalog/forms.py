"""Forms of the catalogue pages. Amounts are typed in euros, rates in percent."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.gestion.catalog.models import Category, Origin, Product, QualityTag, Unit, VatRate
from cabas.gestion.catalog.parsing import format_amount, format_percent, parse_euros, parse_percent
from cabas.gestion.catalog.selectors import category_choices
from cabas.gestion.catalog.services import PRODUCT_FIELDS
from cabas.gestion.core.forms import QuantityField, stored_quantity_or_error
from cabas.gestion.stores.models import Store
from cabas.rules.barcodes import parse_scale_layout
from cabas.rules.quantities import typed_quantity
from cabas.rules.weights import parse_net_weight


class EurosField(forms.CharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        return format_amount(value) if isinstance(value, int) else value

    def clean(self, value: Any) -> int | None:
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return parse_euros(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


class PercentField(forms.CharField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        super().__init__(*args, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        return format_percent(value) if isinstance(value, int) else value

    def clean(self, value: Any) -> int | None:
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            return parse_percent(value)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error


class StoreCategoryField(forms.TypedChoiceField):
    """A category of the shop, offered as "Rayon › Sous-rayon"."""

    def __init__(self, store: Store, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, coerce=int, **kwargs)
        self.choices = [("", "—"), *category_choices(store)]


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=120)
    brand = forms.CharField(label=_("Marque"), max_length=80, required=False)
    unit = forms.ChoiceField(label=_("Vendu"), choices=Unit.choices, initial=Unit.PIECE)
    price_cents = EurosField(
        label=_("Prix plein (€)"),
        help_text=_("Par pièce, ou par kilo pour un produit vendu au poids. Exemple : 1,35."),
    )
    cost_cents = EurosField(label=_("Coût d'achat (€)"), required=False)
    vat_rate_bp = forms.TypedChoiceField(
        label=_("TVA"), choices=VatRate.choices, coerce=int, initial=VatRate.REDUCED
    )
    origin = forms.ChoiceField(label=_("Provenance"), choices=Origin.choices)
    programme = forms.CharField(
        label=_("Programme d'aide"),
        max_length=20,
        required=False,
        help_text=_("Aide européenne (FSE+) ou programme national : PNAA, MMPT, CNES…"),
    )
    rate_bp = PercentField(
        label=_("Taux de participation propre au produit (%)"),
        required=False,
        help_text=_("Vide : le taux du rayon ou de l'épicerie s'applique."),
    )
    min_stock = QuantityField(
        label=_("Stock minimum"),
        min_value=0,
        required=False,
        help_text=_("En pièces, ou en kg pour un produit vendu au poids (exemple : 2,5)."),
    )
    max_stock = QuantityField(label=_("Stock maximum"), min_value=0, required=False)
    net_weight_g = forms.CharField(
        label=_("Poids net d'une pièce"),
        max_length=20,
        required=False,
        help_text=_(
            "En grammes (500), ou 1,5 kg, 75 cl (un litre compte pour un kilo). Vide : poids "
            "inconnu, le produit figure « sans poids » dans les rapports. Inutile au kilo."
        ),
    )
    tags = forms.MultipleChoiceField(
        label=_("Étiquettes (rapports « Mieux manger pour tous »)"),
        choices=QualityTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    field_order = ["name", "brand", "category"]

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["category"] = StoreCategoryField(store, label=_("Rayon"))
        self.order_fields(self.field_order)

    def clean_category(self) -> Category:
        try:
            return Category.objects.get(store=self.store, pk=self.cleaned_data["category"])
        except Category.DoesNotExist as error:
            raise forms.ValidationError(_("Choisissez un rayon de l'épicerie.")) from error

    def clean_cost_cents(self) -> int:
        return self.cleaned_data.get("cost_cents") or 0

    def clean_net_weight_g(self) -> int | None:
        try:
            return parse_net_weight(self.cleaned_data.get("net_weight_g") or "")
        except ValueError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_tags(self) -> str:
        return " ".join(self.cleaned_data.get("tags") or [])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        unit = data.get("unit", Unit.PIECE)
        for name in ("min_stock", "max_stock"):
            if name in data:  # typed in kilos for a weighed product, stored in grams
                data[name] = stored_quantity_or_error(self, name, data[name], unit)
        return data

    @classmethod
    def initial_for(cls, product: Product) -> dict[str, Any]:
        # The fields the product services write; the category is chosen by its id.
        initial = {name: getattr(product, name) for name in PRODUCT_FIELDS if name != "category"}
        initial["category"] = product.category_id
        for name in ("min_stock", "max_stock"):
            initial[name] = typed_quantity(initial[name], product.unit)
        initial["net_weight_g"] = "" if product.net_weight_g is None else str(product.net_weight_g)
        initial["tags"] = product.tag_list
        return initial


class ProductCreateForm(ProductForm):
    barcode = forms.CharField(
        label=_("Code-barres"),
        max_length=32,
        required=False,
        help_text=_("Scannez le produit, ou laissez vide et ajoutez-le plus tard."),
    )


class BarcodeForm(forms.Form):
    code = forms.CharField(
        label=_("Scanner un nouveau code-barres"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "inputmode": "numeric",
                "autofocus": True,
                "data-scan-field": "",
            }
        ),
    )


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=80)
    position = forms.IntegerField(label=_("Ordre"), min_value=0, required=False)
    rate_bp = PercentField(
        label=_("Taux de participation du rayon (%)"),
        required=False,
        help_text=_("Vide : le taux du rayon parent ou de l'épicerie s'applique."),
    )

    def __init__(
        self, *args: Any, store: Store, exclude: Category | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        rayons = Category.objects.filter(store=store, parent__isnull=True)
        if exclude is not None:
            rayons = rayons.exclude(pk=exclude.pk)
        self.fields["parent"] = forms.ModelChoiceField(
            label=_("Rayon parent"),
            queryset=rayons,
            required=False,
            empty_label=_("— aucun : c'est un rayon —"),
        )
        self.order_fields(["name", "parent", "position", "rate_bp"])


class ProductFilterForm(forms.Form):
    STATUS_CHOICES = [("active", _("actifs")), ("archived", _("archivés")), ("all", _("tous"))]

    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    origin = forms.ChoiceField(
        label=_("Provenance"), required=False, choices=[("", _("toutes")), *Origin.choices]
    )
    status = forms.ChoiceField(label=_("État"), required=False, choices=STATUS_CHOICES)
    below_minimum = forms.BooleanField(label=_("Sous le stock minimum"), required=False)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        # Kept for the template, which renders this select itself (faster than the widget).
        self.category_choices = category_choices(store)
        self.fields["category"] = forms.TypedChoiceField(
            label=_("Rayon"),
            required=False,
            coerce=int,
            empty_value=None,
            choices=[("", _("tous")), *self.category_choices],
        )
        self.order_fields(["q", "category", "origin", "status", "below_minimum"])


class ActivationForm(forms.Form):
    categories = forms.MultipleChoiceField(
        label=_("Rayons à ajouter"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisissez au moins un rayon.")},
    )

    def __init__(self, *args: Any, paths: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["categories"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(path, path) for path in paths]


class CatalogSettingsForm(forms.Form):
    """The shop's scale label layout (see cabas.rules.barcodes) and internal code number."""

    store_number = forms.IntegerField(
        label=_("Numéro de l'épicerie dans les codes internes"),
        min_value=0,
        max_value=999,
        help_text=_("Trois chiffres au plus : les codes internes 20 SSS NNNNNNN C le portent."),
    )
    weight_prefixes = forms.CharField(
        label=_("Préfixes des étiquettes au poids"),
        required=False,
        max_length=40,
        help_text=_("Séparés par des espaces, par exemple : 21 22 23"),
    )
    price_prefixes = forms.CharField(
        label=_("Préfixes des étiquettes au prix"),
        required=False,
        max_length=40,
        help_text=_("Par exemple : 24 25 26"),
    )
    internal_prefixes = forms.CharField(
        label=_("Préfixes des codes internes"), required=False, max_length=40
    )
    reference_digits = forms.IntegerField(
        label=_("Chiffres de la référence article"), min_value=1, max_value=9
    )
    value_digits = forms.IntegerField(
        label=_("Chiffres du poids (g) ou du prix (centimes)"), min_value=1, max_value=9
    )
    price_check_digit = forms.BooleanField(
        label=_("Clé de contrôle du prix (balances françaises)"), required=False
    )
    max_entry_pieces = forms.IntegerField(
        label=_("Quantité maximale d'une ligne de stock (pièces)"),
        min_value=1,
        max_value=10_000_000,
        help_text=_("Une réception, un don, une perte ou un comptage au-delà est refusé."),
    )
    max_entry_kg = QuantityField(
        label=_("Quantité maximale d'une ligne de stock (kg)"),
        min_value=1,
        help_text=_("Pour les produits vendus au poids."),
    )

    PREFIX_FIELDS = ("weight_prefixes", "price_prefixes", "internal_prefixes")

    def __init__(self, *args: Any, instance_settings: Any, **kwargs: Any) -> None:
        layout = instance_settings.layout()
        initial = {
            "store_number": instance_settings.store_number,
            "weight_prefixes": " ".join(sorted(layout.weight_prefixes)),
            "price_prefixes": " ".join(sorted(layout.price_prefixes)),
            "internal_prefixes": " ".join(sorted(layout.internal_prefixes)),
            "reference_digits": layout.reference_digits,
            "value_digits": layout.value_digits,
            "price_check_digit": layout.price_check_digit,
            "max_entry_pieces": instance_settings.max_entry_pieces,
            "max_entry_kg": typed_quantity(instance_settings.max_entry_grams, Unit.KG),
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)

    def layout_dict(self) -> dict[str, object]:
        data = self.cleaned_data
        layout: dict[str, object] = {
            name: data[name].replace(",", " ").split() for name in self.PREFIX_FIELDS
        }
        layout.update(
            reference_digits=data["reference_digits"],
            value_digits=data["value_digits"],
            price_check_digit=data["price_check_digit"],
        )
        return layout

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["max_entry_grams"] = stored_quantity_or_error(
            self, "max_entry_kg", cleaned.get("max_entry_kg"), Unit.KG
        )
        if not self.errors:
            try:
                parse_scale_layout(self.layout_dict())
            except ValueError as error:
                raise forms.ValidationError(str(error)) from error
        return cleaned
