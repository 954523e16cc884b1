"""Forms of the recall pages: they validate input, the services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.catalog.models import Product
from cabas.gestion.core.forms import BoundedDateField
from cabas.gestion.recalls.models import MANUAL_ACTIONS, RecallScope, RecallSource
from cabas.gestion.stock.models import Lot
from cabas.gestion.stores.models import Store
from cabas.rules.quantities import format_quantity


class LotChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value: Any) -> Any:
        # An id beyond a 64-bit integer would overflow the database driver (a 500): refused
        # as any unknown choice is.
        for pk in value or ():
            if not str(pk).isdigit() or len(str(pk)) > 18:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(pk)[:20]},
                )
        return super().clean(value)

    def label_from_instance(self, obj: Any) -> str:
        lot: Lot = obj
        left = format_quantity(lot.quantity, lot.product.unit)
        source = f" — {lot.source_label}" if lot.source_label else ""
        return str(
            _("%(lot)s — reçu le %(day)s%(source)s — reste %(left)s")
            % {"lot": lot, "day": f"{lot.received_at:%d/%m/%Y}", "source": source, "left": left}
        )


class RecallForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Ce qui est rappelé"),
        choices=RecallScope.choices,
        widget=forms.RadioSelect,
        initial=RecallScope.DLC_RANGE,
    )
    lots = LotChoiceField(
        label=_("Lots rappelés"),
        queryset=Lot.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pour « des lots choisis »."),
    )
    dlc_from = BoundedDateField(
        label=_("DLC du"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Pour « une plage de DLC » : la première DLC rappelée."),
    )
    dlc_to = BoundedDateField(
        label=_("DLC au"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("La dernière DLC rappelée (la même pour une seule date)."),
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        help_text=_(
            "Ce que la caisse affichera : Listeria, corps étranger, allergène non déclaré…"
        ),
    )
    source = forms.ChoiceField(label=_("À la demande de"), choices=RecallSource.choices)
    source_reference = forms.CharField(
        label=_("Référence"),
        max_length=120,
        required=False,
        help_text=_("Numéro de la fiche RappelConso, courrier du fournisseur…"),
    )

    def __init__(self, *args: Any, store: Store, product: Product, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lots = self.fields["lots"]
        assert isinstance(lots, forms.ModelMultipleChoiceField)
        lots.queryset = (
            Lot.objects.filter(store=store, product=product)
            .select_related("product")
            .order_by("-received_at", "-id")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("dlc_from") and not data.get("dlc_to"):
            data["dlc_to"] = data["dlc_from"]  # one date recalled
        return data


class HouseholdField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        # As LotChoiceField: a 30-digit id is an unknown choice, not a driver overflow.
        if value not in self.empty_values and (not str(value).isdigit() or len(str(value)) > 18):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"), choices=MANUAL_ACTIONS)
    household = HouseholdField(
        queryset=Household.objects.none(), required=False, widget=forms.HiddenInput
    )
    done_on = BoundedDateField(
        label=_("Faite le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Aujourd'hui si vide."),
    )
    note = forms.CharField(label=_("Précision"), max_length=300, required=False)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        household = self.fields["household"]
        assert isinstance(household, forms.ModelChoiceField)
        household.queryset = Household.objects.filter(store=store)


class StateForm(forms.Form):
    note = forms.CharField(label=_("Précision"), max_length=300, required=False)
