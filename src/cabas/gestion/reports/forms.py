"""Report forms: all by GET (a report is a link one can bookmark), except saving a statistic."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from cabas.gestion.catalog.models import Origin
from cabas.gestion.catalog.selectors import category_choices
from cabas.gestion.core.forms import BoundedDateField, BoundedMonthField
from cabas.gestion.reports import analytics
from cabas.gestion.reports.periods import MAX_DAYS, Period, month_period
from cabas.gestion.reports.statistics import StatisticDefinition, parse_definition
from cabas.gestion.stores.models import Store

EXPORT_FORMATS = ("csv", "xlsx", "pdf")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def with_defaults(data: Any, defaults: dict[str, str]) -> QueryDict:
    """The submitted values, with ``defaults`` for what is missing (a first visit)."""
    if isinstance(data, QueryDict):
        merged = data.copy()
    else:
        merged = QueryDict(mutable=True)
        for key, value in (data or {}).items():
            merged[key] = value
    for key, value in defaults.items():
        if key not in merged:
            merged[key] = value
    return merged


CUSTOMER_CHOICES = [
    ("all", _("Tous les clients")),
    ("beneficiaries", _("Foyers bénéficiaires")),
    ("others", _("Clients sans carte")),
]


class PeriodForm(forms.Form):
    date_from = BoundedDateField(label=_("Du"), widget=DateInput())
    date_to = BoundedDateField(label=_("Au"), widget=DateInput())

    def __init__(self, data: Any, *, store: Store, **kwargs: Any) -> None:
        self.store = store
        today = store.today()
        month = month_period(f"{today:%Y-%m}", store.timezone)
        defaults = {"date_from": month.first.isoformat(), "date_to": today.isoformat()}
        defaults.update(self.extra_defaults)
        super().__init__(with_defaults(data, defaults), **kwargs)

    extra_defaults: dict[str, str] = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if last < first:
                raise forms.ValidationError(_("La date de fin précède la date de début."))
            if (last - first).days >= MAX_DAYS:
                raise forms.ValidationError(_("Une période de plus de trois ans est trop longue."))
        return data

    def period(self) -> Period:
        return Period(
            self.cleaned_data["date_from"], self.cleaned_data["date_to"], self.store.timezone
        )


GROUP_CHOICES = [(k, analytics.DIMENSIONS[k].label) for k in analytics.TABLE_DIMENSIONS] + [
    ("payment", _("Moyen de paiement"))
]


class SalesForm(PeriodForm):
    group_by = forms.ChoiceField(label=_("Regrouper par"), choices=GROUP_CHOICES, initial="day")
    customer = forms.ChoiceField(label=_("Clients"), choices=CUSTOMER_CHOICES, initial="all")

    extra_defaults = {"group_by": "day", "customer": "all"}


class StockForm(forms.Form):
    day = BoundedDateField(label=_("Stock au soir du"), widget=DateInput())
    idle_days = forms.IntegerField(
        label=_("Sans vente depuis (jours)"), min_value=7, max_value=365, initial=60
    )

    def __init__(self, data: Any, *, store: Store, **kwargs: Any) -> None:
        self.store = store
        defaults = {"day": store.today().isoformat(), "idle_days": "60"}
        super().__init__(with_defaults(data, defaults), **kwargs)

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        if day > self.store.today():
            raise forms.ValidationError(_("Choisissez aujourd'hui ou une date passée."))
        return day

    def losses_period(self) -> Period:
        """Losses are shown over the 30 days that end on the chosen day."""
        day = self.cleaned_data["day"]
        return Period(day - timedelta(days=29), day, self.store.timezone)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Rapport"),
        choices=[("month", _("Mensuel")), ("year", _("Annuel"))],
        initial="month",
    )
    month = BoundedMonthField(label=_("Mois"), required=False)
    year = forms.IntegerField(label=_("Année"), min_value=2000, max_value=2100, required=False)

    def __init__(self, data: Any, *, store: Store, **kwargs: Any) -> None:
        self.store = store
        today = store.today()
        last_month = today.replace(day=1) - timedelta(days=1)
        defaults = {
            "kind": "month",
            "month": f"{last_month:%Y-%m}",
            "year": str(last_month.year),
        }
        super().__init__(with_defaults(data, defaults), **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "month" and not data.get("month"):
            self.add_error("month", _("Choisissez un mois."))
        if data.get("kind") == "year" and not data.get("year"):
            self.add_error("year", _("Choisissez une année."))
        return data

    def period(self) -> Period:
        tz = self.store.timezone
        if self.cleaned_data["kind"] == "year":
            year = self.cleaned_data["year"]
            return Period(date(year, 1, 1), date(year, 12, 31), tz)
        return month_period(self.cleaned_data["month"], tz)


MEASURE_CHOICES = [(k, analytics.MEASURES[k].label) for k in analytics.BUILDER_MEASURES]
DIMENSION_CHOICES = [(k, analytics.DIMENSIONS[k].label) for k in analytics.BUILDER_DIMENSIONS]
PERIOD_CHOICES = [
    ("this_month", _("Ce mois-ci")),
    ("last_month", _("Le mois dernier")),
    ("last_3_months", _("Les 3 derniers mois")),
    ("last_12_months", _("Les 12 derniers mois")),
    ("this_year", _("Cette année")),
    ("last_year", _("L'année dernière")),
    ("custom", _("Dates choisies")),
]


class StatisticForm(forms.Form):
    measure = forms.ChoiceField(label=_("Mesure"), choices=MEASURE_CHOICES)
    dimension1 = forms.ChoiceField(
        label=_("Regrouper par"), choices=[("", _("(aucun)")), *DIMENSION_CHOICES], required=False
    )
    dimension2 = forms.ChoiceField(
        label=_("puis par"), choices=[("", _("(aucun)")), *DIMENSION_CHOICES], required=False
    )
    period = forms.ChoiceField(label=_("Période"), choices=PERIOD_CHOICES)
    date_from = BoundedDateField(label=_("Du"), required=False, widget=DateInput())
    date_to = BoundedDateField(label=_("Au"), required=False, widget=DateInput())
    categories = forms.TypedMultipleChoiceField(
        label=_("Rayons"), coerce=int, required=False, help_text=_("Aucun : tous les rayons.")
    )
    origins = forms.MultipleChoiceField(
        label=_("Provenances"), choices=Origin.choices, required=False
    )
    customer = forms.ChoiceField(label=_("Clients"), choices=CUSTOMER_CHOICES)
    chart = forms.ChoiceField(
        label=_("Graphique"), choices=[("bar", _("Barres")), ("line", _("Courbe"))]
    )

    def __init__(self, data: Any, *, store: Store, **kwargs: Any) -> None:
        super().__init__(with_defaults(data, DEFAULT_STATISTIC), **kwargs)
        self.fields["categories"].choices = category_choices(store)  # type: ignore[attr-defined]

    @classmethod
    def from_definition(cls, definition: StatisticDefinition, *, store: Store) -> StatisticForm:
        dims = list(definition.dimensions) + ["", ""]
        data = {
            "measure": definition.measure,
            "dimension1": dims[0],
            "dimension2": dims[1],
            "period": definition.period,
            "date_from": definition.date_from.isoformat() if definition.date_from else "",
            "date_to": definition.date_to.isoformat() if definition.date_to else "",
            "customer": definition.filters.customer,
            "chart": definition.chart,
        }
        multi = QueryDict(mutable=True)
        for key, value in data.items():
            multi[key] = value
        multi.setlist("categories", [str(c) for c in definition.filters.category_ids])
        multi.setlist("origins", list(definition.filters.origins))
        return cls(multi, store=store)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        dims = [d for d in (data.get("dimension1"), data.get("dimension2")) if d]
        payload = {
            "measure": data["measure"],
            "dimensions": dims,
            "period": data["period"],
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "filters": {
                "category_ids": data.get("categories") or [],
                "origins": data.get("origins") or [],
                "customer": data["customer"],
            },
            "chart": data["chart"],
        }
        try:
            self.definition = parse_definition(payload)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


DEFAULT_STATISTIC = {
    "measure": "paid",
    "dimension1": "month",
    "dimension2": "",
    "period": "last_12_months",
    "customer": "all",
    "chart": "bar",
}


class SaveStatisticForm(forms.Form):
    name = forms.CharField(label=_("Nom de la statistique"), max_length=100)
