"""Forms of the stock pages: they validate input, the services write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from cabas.gestion.catalog.models import Category, Product
from cabas.gestion.catalog.picker import ProductPickerField
from cabas.gestion.core.forms import BoundedDateField, QuantityField, stored_quantity_or_error
from cabas.gestion.stock.models import LossCause, LotOrigin, MovementKind
from cabas.gestion.stores.models import Store

QUANTITY_HELP = _("En pièces, ou en kg pour un produit vendu au poids (exemple : 2,5).")


class ProductCodeForm(forms.Form):
    """A product of the shop, scanned, searched by name or given by the page it was opened
    from (the picker; its text is posted as ``code``, as a scan always was)."""

    product = ProductPickerField(
        label=_("Produit"),
        text_name="code",
        attrs={"autofocus": True},
        help_text=_("Scannez le produit, ou tapez son nom ou son code-barres."),
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store
        cast(ProductPickerField, self.fields["product"]).limit_to(store)
        self.product_obj: Product | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.product_obj = data.get("product")
        return data


class LotReceiveForm(ProductCodeForm):
    kind = forms.ChoiceField(
        label=_("Nature"),
        choices=[(MovementKind.RECEPTION, _("Réception")), (MovementKind.DONATION, _("Don"))],
    )
    quantity = QuantityField(label=_("Quantité"), min_value=0, help_text=QUANTITY_HELP)
    date_kind = forms.ChoiceField(
        label=_("Date"),
        choices=[
            ("dlc", _("DLC (à consommer jusqu'au)")),
            ("ddm", _("DDM (de préférence avant)")),
            ("", _("Sans date")),
        ],
        required=False,
    )
    date = BoundedDateField(
        label=_("Date limite"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    origin = forms.ChoiceField(label=_("Provenance"), choices=LotOrigin.choices)
    source_label = forms.CharField(
        label=_("Fournisseur, donateur ou programme"), max_length=120, required=False
    )
    expired_on_arrival = forms.BooleanField(
        label=_("Perdu à l'arrivée (DLC déjà dépassée)"),
        required=False,
        help_text=_("Le lot est enregistré puis retiré aussitôt comme perte."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _stored_quantity(self, data)
        if data.get("date_kind") and not data.get("date"):
            self.add_error("date", _("Indiquez la date, ou choisissez « Sans date »."))
        if not data.get("date_kind") and data.get("date"):
            # A date typed with "Sans date" chosen was silently dropped: ask which it is.
            self.add_error(
                "date_kind",
                _("Vous avez saisi une date : choisissez DLC ou DDM, ou effacez la date."),
            )
        return data


def _stored_quantity(form: ProductCodeForm, data: dict[str, Any]) -> None:
    """The typed quantity (pieces, or kilos) as stored (pieces, or grams), and never zero."""
    if form.product_obj is None or data.get("quantity") is None:
        return
    stored = stored_quantity_or_error(form, "quantity", data["quantity"], form.product_obj.unit)
    if stored is not None and stored <= 0:
        form.add_error("quantity", _("La quantité doit être plus grande que zéro."))
        stored = None
    data["quantity"] = stored


class LossForm(ProductCodeForm):
    quantity = QuantityField(label=_("Quantité perdue"), min_value=0, help_text=QUANTITY_HELP)
    cause = forms.ChoiceField(label=_("Cause"), choices=LossCause.choices)
    detail = forms.CharField(label=_("Précision"), max_length=200, required=False)
    stock_unknown = forms.BooleanField(
        label=_("Stock inconnu"),
        required=False,
        help_text=_(
            "Cochez si le stock enregistré est faux : la perte peut alors dépasser le stock "
            "(un inventaire le remettra d'aplomb)."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _stored_quantity(self, data)
        return data


class CountCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Nom"),
        max_length=120,
        required=False,
        help_text=_("Par exemple « Inventaire annuel » ; laissé vide : la date du jour."),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Rayons à compter"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucun rayon coché : toute l'épicerie."),
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["categories"]
        # Tree order: each rayon, then its sous-rayons.
        field.queryset = (  # type: ignore[attr-defined]
            Category.objects.filter(store=store)
            .select_related("parent")
            .order_by(
                Coalesce("parent__position", "position"),
                Coalesce("parent_id", "id"),
                F("parent_id").asc(nulls_first=True),
                "position",
                "name",
            )
        )
        field.label_from_instance = lambda c: (  # type: ignore[attr-defined]
            f"{c.parent.name} › {c.name}" if c.parent_id else c.name
        )


class ScanForm(forms.Form):
    code = forms.CharField(
        label=_("Code-barres"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "inputmode": "numeric"}
        ),
        error_messages={"required": _("Scannez ou tapez un code-barres.")},
    )
    # Typed: pieces, or kilos; the service converts once the scan names the product.
    quantity = QuantityField(
        label=_("Quantité"),
        min_value=0,
        required=False,
        help_text=_("Vide : une pièce par scan (le poids pour une étiquette de balance)."),
    )


class LineSetForm(forms.Form):
    counted = QuantityField(label=_("Compté"), min_value=0, required=False)


class CountValidateForm(forms.Form):
    zero_uncounted = forms.BooleanField(
        label=_("Les produits non comptés sont à zéro (introuvables en rayon)"), required=False
    )
