"""The reception and donation forms: one row per product that came in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.gestion.catalog.picker import ProductPickerField
from cabas.gestion.core.forms import BoundedDateField, QuantityField, stored_quantity_or_error
from cabas.gestion.core.widgets import NamedRowsFormSet, name_row_fields
from cabas.gestion.purchasing.forms import active_products
from cabas.gestion.purchasing.models import PurchaseOrderLine, Supplier, SupplierKind
from cabas.gestion.purchasing.receiving import ReceivedLine
from cabas.gestion.stores.models import Store
from cabas.rules.quantities import typed_quantity

EXTRA_ROWS = 3
DONATION_ROWS = 8
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReceivedLineForm(forms.Form):
    order_line = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product = ProductPickerField(label=_("Produit reçu"), required=False)
    quantity = QuantityField(
        label=_("Quantité reçue"),
        min_value=0,
        required=False,
        help_text=_("Pièces, ou kg pour un produit au kilo (exemple : 2,5)."),
    )
    dlc = BoundedDateField(label=_("DLC"), required=False, widget=DATE_WIDGET)
    expired_on_arrival = forms.BooleanField(
        label=_("Perdu à l'arrivée (DLC dépassée)"), required=False
    )
    ddm = BoundedDateField(label=_("DDM"), required=False, widget=DATE_WIDGET)
    damaged_note = forms.CharField(label=_("Abîmé / remarque"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        store: Store,
        products: Any = None,
        today: date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(ProductPickerField, self.fields["product"]).limit_to(store, products)
        self.today = today

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product = data.get("product")
        if data.get("quantity") and not product and "product" not in self.errors:
            self.add_error("product", _("Choisissez le produit reçu."))
        if product is not None:
            data["quantity"] = stored_quantity_or_error(
                self, "quantity", data.get("quantity"), product.unit
            )
        if data.get("dlc") and data.get("ddm"):
            self.add_error("ddm", _("Un lot a une DLC ou une DDM, pas les deux."))
        dlc = data.get("dlc")
        if (
            data.get("quantity")
            and dlc
            and self.today
            and dlc < self.today
            and not data.get("expired_on_arrival")
        ):
            self.add_error(
                "dlc",
                _(
                    "DLC déjà dépassée : corrigez la date, ou cochez « perdu à l'arrivée » "
                    "pour l'enregistrer comme perte."
                ),
            )
        return data


class BaseReceivedFormSet(NamedRowsFormSet):
    order_lines: dict[int, PurchaseOrderLine]

    def received_lines(self) -> list[ReceivedLine]:
        result = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or not data.get("quantity") or not data.get("product"):
                continue
            line_id = data.get("order_line")
            result.append(
                ReceivedLine(
                    product=data["product"],
                    quantity=data["quantity"],
                    order_line=self.order_lines.get(line_id) if line_id else None,
                    dlc=data.get("dlc"),
                    ddm=data.get("ddm"),
                    damaged_note=data.get("damaged_note", ""),
                    expired_on_arrival=bool(data.get("expired_on_arrival")),
                )
            )
        return result


ReceivedFormSet = cast(
    type[BaseReceivedFormSet],
    forms.formset_factory(ReceivedLineForm, formset=BaseReceivedFormSet, extra=0, max_num=500),
)


def reception_formset(
    store: Store, lines: Sequence[PurchaseOrderLine], data: Any = None
) -> BaseReceivedFormSet:
    """One row per ordered line still expected (prefilled with what remains), plus a few empty
    rows for products that came without being ordered."""
    initial: list[dict[str, Any]] = [
        {
            "order_line": line.pk,
            "product": line.product_id,
            "quantity": typed_quantity(line.remaining_qty, line.product.unit),
        }
        for line in lines
        if line.remaining_qty > 0
    ]
    initial += [{} for _ in range(EXTRA_ROWS)]
    formset = ReceivedFormSet(
        data,
        initial=initial,
        prefix="lines",
        form_kwargs={
            "store": store,
            "products": active_products(store),
            "today": store.today(),
        },
    )
    formset.order_lines = {line.pk: line for line in lines}
    by_id = formset.order_lines
    for form in formset.forms:
        line_id = form.initial.get("order_line")
        form.ordered_line = by_id.get(line_id) if line_id else None
        if form.ordered_line is not None:
            name_row_fields(form, str(form.ordered_line.product))
    return formset


def donation_formset(store: Store, data: Any = None) -> BaseReceivedFormSet:
    formset = ReceivedFormSet(
        data,
        initial=[{} for _ in range(DONATION_ROWS)],
        prefix="lines",
        form_kwargs={
            "store": store,
            "products": active_products(store),
            "today": store.today(),
        },
    )
    formset.order_lines = {}
    return formset


class DonationForm(forms.Form):
    donor = forms.ModelChoiceField(
        label=_("Donateur ou programme"),
        queryset=Supplier.objects.none(),
        empty_label=_("— choisir le donateur —"),
    )
    note = forms.CharField(
        label=_("Remarques (marchandise abîmée…)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = (  # type: ignore[attr-defined]
            Supplier.objects.filter(store=store, active=True)
            .exclude(kind=SupplierKind.SUPPLIER)
            .order_by("name")
        )


class DeliveryNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Remarques sur la livraison (marchandise abîmée, retard…)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
