"""Forms of purchasing: they validate and convert; the services decide."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.picker import ProductPickerField
from cabas.gestion.core.forms import BoundedDateField, QuantityField, stored_quantity_or_error
from cabas.gestion.purchasing.models import WEEKDAYS, OrderState, Supplier, SupplierKind
from cabas.gestion.purchasing.services import SUPPLIER_FIELDS
from cabas.gestion.stores.models import Store


class EurosField(forms.CharField):
    """An amount typed in euros ("12,50") cleaned to integer cents."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> int:
        text = super().clean(value)
        if not text:
            return 0
        try:
            amount = Decimal(str(text).replace("€", "").replace(" ", "").replace(",", "."))
        except InvalidOperation:
            raise forms.ValidationError(_("Montant invalide, par exemple 12,50.")) from None
        if amount < 0:
            raise forms.ValidationError(_("Le montant ne peut pas être négatif."))
        return int((amount * 100).quantize(Decimal(1)))


def euros_initial(cents: int) -> str:
    return f"{cents / 100:.2f}".replace(".", ",")


class SupplierForm(forms.Form):
    name = forms.CharField(label=_("Nom"), max_length=120)
    kind = forms.ChoiceField(label=_("Type"), choices=SupplierKind.choices)
    programme = forms.CharField(
        label=_("Programme (code court)"),
        max_length=20,
        required=False,
        help_text=_("Pour un programme d'aide : FSE+, CNES…"),
    )
    contact_name = forms.CharField(label=_("Contact"), max_length=120, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)
    address = forms.CharField(
        label=_("Adresse"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    delivery_days = forms.TypedMultipleChoiceField(
        label=_("Jours de livraison"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lead_time_days = forms.IntegerField(
        label=_("Délai de livraison (jours)"), min_value=0, max_value=90, initial=2
    )
    minimum_order = EurosField(label=_("Minimum de commande (€ HT)"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    active = forms.BooleanField(label=_("Actif"), required=False, initial=True)

    @classmethod
    def for_supplier(cls, supplier: Supplier, data: Any = None) -> SupplierForm:
        # The fields the supplier services write; the minimum order is typed in euros.
        initial = {
            name: getattr(supplier, name)
            for name in SUPPLIER_FIELDS
            if name != "minimum_order_cents"
        }
        initial["minimum_order"] = euros_initial(supplier.minimum_order_cents)
        return cls(data, initial=initial)

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["minimum_order_cents"] = data.pop("minimum_order")
        return data


def active_products(store: Store) -> Any:
    return Product.objects.filter(store=store, active=True).order_by("name", "id")


class SupplierProductForm(forms.Form):
    product = ProductPickerField(label=_("Produit"))
    reference = forms.CharField(label=_("Référence fournisseur"), max_length=60, required=False)
    pack_size = QuantityField(
        label=_("Colisage"),
        min_value=0,
        initial="1",
        help_text=_("Pièces par colis, ou kg par colis pour un produit au kilo (exemple : 2,5)."),
    )
    pack_price = EurosField(label=_("Prix du colis (€ HT)"))

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ProductPickerField, self.fields["product"]).limit_to(store, active_products(store))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product = data.get("product")
        if product is not None and data.get("pack_size") is not None:
            # Typed in kilos for a weighed product, stored in grams (as its stock).
            data["pack_size"] = stored_quantity_or_error(
                self, "pack_size", data["pack_size"], product.unit
            )
            if data["pack_size"] is not None and data["pack_size"] < 1:
                self.add_error("pack_size", _("Le colisage doit être plus grand que zéro."))
        return data


class OrderCreateForm(forms.Form):
    supplier = forms.ModelChoiceField(
        label=_("Fournisseur"),
        queryset=Supplier.objects.none(),
        empty_label=_("— choisir un fournisseur —"),
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = Supplier.objects.filter(  # type: ignore[attr-defined]
            store=store, kind=SupplierKind.SUPPLIER, active=True
        )


class OrderEditForm(forms.Form):
    expected_on = BoundedDateField(
        label=_("Livraison souhaitée le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=_("Note pour le fournisseur"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OrderLineForm(forms.Form):
    product = ProductPickerField(
        label=_("Produit"), help_text=_("Un des produits que vend ce fournisseur.")
    )
    packs = forms.IntegerField(label=_("Colis"), min_value=0, max_value=10_000)

    def __init__(self, *args: Any, supplier: Supplier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(ProductPickerField, self.fields["product"])
        field.limit_to(supplier.store, supplier_products(supplier))
        # The picker searches this supplier's products only.
        field.widget.search_url = reverse(
            "purchasing:supplier_products", kwargs={"supplier_id": supplier.pk}
        )


def supplier_products(supplier: Supplier) -> Any:
    """The products a supplier sells (its rows), in the supplier's shop."""
    return Product.objects.filter(
        store_id=supplier.store_id, pk__in=supplier.products.values("product_id")
    ).order_by("name", "id")


class OrderFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("État"), choices=[("", _("Tous"))] + list(OrderState.choices), required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), max_length=300, required=False)
