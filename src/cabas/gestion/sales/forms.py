from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.gestion.core.forms import BoundedDateField
from cabas.gestion.pos.models import Device
from cabas.gestion.sales.models import Anomaly
from cabas.gestion.stores.models import Membership, Store
from cabas.protocol import receipt_number_digits


class TicketFilterForm(forms.Form):
    number = forms.CharField(
        label=_("N° du reçu"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "3f2a9c1e", "autocomplete": "off"}),
    )
    start = BoundedDateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = BoundedDateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    device = forms.ChoiceField(label=_("Caisse"), required=False)
    cashier = forms.ChoiceField(label=_("Caissier"), required=False)
    household = forms.CharField(label=_("Carte du foyer"), required=False, max_length=32)
    anomalies = forms.BooleanField(label=_("Avec anomalies seulement"), required=False)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        devices = [
            (str(pk), name)
            for pk, name in Device.objects.filter(store=store).values_list("pk", "name")
        ]
        cashiers = [
            (str(m.pk), m.user.get_full_name() or m.user.username)
            for m in Membership.objects.filter(store=store).select_related("user")
        ]
        device_field = self.fields["device"]
        cashier_field = self.fields["cashier"]
        assert isinstance(device_field, forms.ChoiceField)
        assert isinstance(cashier_field, forms.ChoiceField)
        device_field.choices = [("", _("Toutes")), *devices]
        cashier_field.choices = [("", _("Tous")), *cashiers]

    def clean_number(self) -> str:
        text = self.cleaned_data.get("number") or ""
        if not text.strip():
            return ""
        digits = receipt_number_digits(text)
        if digits is None:
            raise forms.ValidationError(
                _(
                    "Tapez le numéro imprimé sur le reçu : au moins 4 chiffres ou lettres "
                    "de a à f (par exemple 3f2a9c1e)."
                )
            )
        return digits

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("La fin de la période précède son début."))
        return data


class AnomalyHandleForm(forms.Form):
    """Shown beside a "Traitée" button, once per anomaly of a list: no id, its own name."""

    note = forms.CharField(
        label=_("Commentaire"),
        required=False,
        max_length=300,
        widget=forms.TextInput(
            attrs={"aria-label": _("Commentaire"), "placeholder": _("Commentaire (facultatif)")}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class AnomaliesHandleForm(forms.Form):
    """Several anomalies handled with one reason: the ticked ones, or all of the shown kind."""

    anomaly = forms.TypedMultipleChoiceField(coerce=int, required=False)
    every_of_kind = forms.BooleanField(required=False)
    kind = forms.ChoiceField(choices=[("", "")] + list(Anomaly.Kind.choices), required=False)
    note = forms.CharField(label=_("Raison"), max_length=300)

    def __init__(self, *args: Any, pending_ids: Iterable[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["anomaly"]).choices = [(pk, pk) for pk in pending_ids]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("every_of_kind") and not data.get("kind"):
            raise forms.ValidationError(_("Choisissez d'abord une nature d'anomalie."))
        if not data.get("every_of_kind") and not data.get("anomaly"):
            raise forms.ValidationError(_("Cochez au moins une anomalie."))
        return data
