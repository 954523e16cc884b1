"""Form helpers shared by every app."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from cabas.rules.quantities import parse_decimal, stored_quantity, typed_quantity


def parse_pk(text: object) -> int | None:
    """A row id typed or posted as text: ASCII digits that fit a database key, else None.
    (``str.isdigit`` alone lets "²" through, which ``int`` refuses, and 30 digits overflow
    every engine's integer.)"""
    value = str(text).strip() if isinstance(text, str | int) else ""
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        return None
    return int(value)


def apply_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on its fields when it names them."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item)
    else:
        form.add_error(None, error)


# Every date a person types is kept within these years: the calendar's edges (0001-01-01,
# 9999-12-31) overflow the day arithmetic, the time zones and some databases.
MIN_YEAR = 2000
MAX_YEAR = 2100
# A birth date may be older than the shop's own dates.
BIRTH_MIN_YEAR = 1900

DATE_BOUNDS_MESSAGE = _("Choisissez une date entre %(min_year)s et %(max_year)s.")
MONTH_BOUNDS_MESSAGE = _("Choisissez un mois entre %(min_year)s et %(max_year)s.")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def check_date_bounds(day: date, *, min_year: int = MIN_YEAR, max_year: int = MAX_YEAR) -> date:
    """``day`` when its year is within the bounds; otherwise a ValidationError (French)."""
    if not min_year <= day.year <= max_year:
        raise ValidationError(
            DATE_BOUNDS_MESSAGE,
            code="date_bounds",
            params={"min_year": min_year, "max_year": max_year},
        )
    return day


class BoundedDateField(forms.DateField):
    """A date field that refuses years outside ``min_year``..``max_year`` (2000–2100)."""

    def __init__(
        self, *, min_year: int = MIN_YEAR, max_year: int = MAX_YEAR, **kwargs: Any
    ) -> None:
        self.min_year, self.max_year = min_year, max_year
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if isinstance(value, date):
            check_date_bounds(value, min_year=self.min_year, max_year=self.max_year)


class BoundedMonthField(forms.CharField):
    """A month ``"YYYY-MM"`` (the value stays that text), its year within 2000–2100."""

    default_error_messages = {"invalid": _("Mois attendu au format AAAA-MM.")}

    def __init__(
        self, *, min_year: int = MIN_YEAR, max_year: int = MAX_YEAR, **kwargs: Any
    ) -> None:
        self.min_year, self.max_year = min_year, max_year
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month"}))
        kwargs.setdefault("max_length", 7)
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        match = _MONTH.fullmatch(value)
        if match is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if not self.min_year <= int(match.group(1)) <= self.max_year:
            raise ValidationError(
                MONTH_BOUNDS_MESSAGE,
                code="month_bounds",
                params={"min_year": self.min_year, "max_year": self.max_year},
            )


# Beyond any sensible line of a shop (the shop's own, smaller bound is the stock services'):
# keeps absurd text such as 1e30 from reaching the arithmetic.
QUANTITY_CEILING = Decimal(1_000_000_000)


class QuantityField(forms.CharField):
    """A quantity as a person types it: pieces, or kilos for a weighed product, with a decimal
    comma or point ("1,5"). It cleans to a :class:`~decimal.Decimal`; the form turns it into
    what is stored (grams for kilos) with :func:`stored_quantity_or_error` once it knows the
    product. Set ``unit`` to show a stored value (grams) in kilos."""

    def __init__(self, *, min_value: int = 1, unit: str | None = None, **kwargs: Any) -> None:
        self.min_value, self.unit = min_value, unit
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and self.unit:
            return typed_quantity(value, self.unit)
        return value

    def clean(self, value: Any) -> Decimal | None:
        text = super().clean(value)
        if text in self.empty_values:
            return None
        try:
            number = parse_decimal(text)
        except ValueError as error:
            raise ValidationError(
                _("Saisissez un nombre, par exemple 12 ou 1,5."), code="invalid"
            ) from error
        if number < self.min_value:
            raise ValidationError(
                _("La quantité doit être d'au moins %(min)s."),
                code="min_value",
                params={"min": self.min_value},
            )
        if number > QUANTITY_CEILING:
            raise ValidationError(_("Cette quantité n'est pas plausible."), code="max_value")
        return number


def stored_quantity_or_error(
    form: forms.BaseForm, field: str, value: Decimal | None, unit: str
) -> int | None:
    """``value`` (pieces, or kilos) as stored (pieces, or grams), or None with the error shown
    on ``field`` (a fraction of a piece, a milligram)."""
    if value is None:
        return None
    try:
        return stored_quantity(value, unit)
    except ValueError as error:
        form.add_error(field, str(error))
        return None


class ImportUploadForm(forms.Form):
    """The file of an import (see cabas.gestion.imports, which reads and checks it)."""

    file = forms.FileField(
        label=_("Fichier CSV ou Excel (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: object, help_text: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["file"].help_text = help_text


__all__ = [
    "BIRTH_MIN_YEAR",
    "MAX_YEAR",
    "MIN_YEAR",
    "NON_FIELD_ERRORS",
    "BoundedDateField",
    "BoundedMonthField",
    "ImportUploadForm",
    "QuantityField",
    "apply_validation_error",
    "check_date_bounds",
    "stored_quantity_or_error",
]
