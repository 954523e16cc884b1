"""Form widgets shared by every app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The picker's value as the form data carries it: the chosen product's id (a hidden input, set
# by the script) and the text of the visible field (a name, a brand or a scanned barcode).
PickerValue = tuple[str, str]


class ProductPicker(forms.Widget):
    """One product among hundreds: a text field that takes a name, a brand or a barcode.

    app.js turns it into a combobox (role=combobox, a listbox of the shop's products found by
    ``catalog:product_picker``, arrows, Enter, Escape; a scanned code and Enter chooses at
    once without sending the form) that writes the chosen id into a hidden input named as the
    field. Without script the text alone is sent and the field finds the product from it.

    ``text_name``: the name of the text input (default ``<name>_text``), for a form whose
    clients already post the text under another name (``code`` for the stock pages).
    """

    template_name = "core/widgets/product_picker.html"
    search_url_name = "catalog:product_picker"

    def __init__(self, attrs: dict[str, Any] | None = None, *, text_name: str = "") -> None:
        super().__init__(attrs)
        self.text_name = text_name
        # Another search than the whole shop's (a supplier's products, say): its URL.
        self.search_url = ""

    def text_input_name(self, name: str) -> str:
        if not self.text_name:
            return f"{name}_text"
        prefix, dash, _field = name.rpartition("-")
        return f"{prefix}{dash}{self.text_name}"

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> PickerValue:
        return (
            str(data.get(name) or "").strip(),
            str(data.get(self.text_input_name(name)) or ""),
        )

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return name not in data and self.text_input_name(name) not in data

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if isinstance(value, tuple):  # posted back: what the person sent
            picked, text = value
        elif value in (None, ""):
            picked, text = "", ""
        else:  # an initial product (the field's prepare_value finds it from its id)
            picked = str(getattr(value, "pk", value))
            text = str(value)
        widget = context["widget"]
        widget["attrs"].setdefault("placeholder", _("Nom, marque ou code-barres"))
        widget.update(
            picked=picked,
            text=text,
            text_name=self.text_input_name(name),
            search_url=self.search_url or reverse(self.search_url_name),
        )
        return context

    def id_for_label(self, id_: str) -> str:
        return id_


def name_row_fields(form: forms.BaseForm, row: str) -> None:
    """Give each visible field of a form shown as one row of a table its own accessible name,
    "<label> — <row>" (the column's header names no field for a screen reader): for example
    "Quantité reçue — Riz long 1 kg" or "Prénom — personne 2"."""
    for field in form.fields.values():
        if not field.widget.is_hidden:
            field.widget.attrs["aria-label"] = f"{field.label} — {row}"


class NamedRowsFormSet(forms.BaseFormSet):  # type: ignore[type-arg]  # not generic at run time
    """A formset shown as a table, a form a row: each field is named after its row,
    ``row_name`` with the row's number (see :func:`name_row_fields`)."""

    row_name = _("ligne %(n)s")

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        name_row_fields(form, str(self.row_name) % {"n": (index or 0) + 1})
