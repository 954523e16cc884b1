"""The returns funders ask for, as PDF and XLSX (and ``cabas report foodbank|authorisation``):

- the **quarterly food-bank return** (*bilan trimestriel pour la banque alimentaire*): the
  households and people served, the food bank's goods received, distributed and lost in
  kilograms (by rayon), all the kilograms distributed by origin, month by month;
- the **yearly authorisation return** (*bilan annuel de l'habilitation aide alimentaire*, for
  the State's services): the people served by the funders' categories, the kilograms received,
  distributed and lost by origin and by cause, the quality-food shares, month by month.

Both are built from the activity report of the period (the same figures, the same
definitions), so a return and the report of the same dates never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabas.gestion.reports import analytics
from cabas.gestion.reports.activity import DEFINITIONS, ActivityReport, activity_report
from cabas.gestion.reports.kilograms import Kilograms, kilograms
from cabas.gestion.reports.periods import Period
from cabas.gestion.reports.tables import Column, Table, display
from cabas.gestion.stores.models import Store
from cabas.rules.pricing import ORIGIN_FOOD_BANK

ReturnKind = Literal["foodbank", "authorisation"]
RETURN_KINDS: dict[str, Any] = {
    "foodbank": gettext_lazy("Bilan trimestriel pour la banque alimentaire"),
    "authorisation": gettext_lazy("Bilan annuel de l'habilitation aide alimentaire"),
}
NOT_TRACKED = gettext_lazy(
    "Cabas ne suit pas les bénévoles, les heures ni les locaux : complétez-les à la main."
)


def quarter_period(year: int, quarter: int, tz: str) -> Period:
    """The calendar quarter (1 to 4) of ``year``."""
    if not 1 <= quarter <= 4:
        raise ValueError(_("Le trimestre va de 1 à 4."))
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return Period(first, date.fromordinal(after.toordinal() - 1), tz)


def quarter_label(quarter: int, year: int) -> str:
    ordinal = _("1er") if quarter == 1 else _("%(n)se") % {"n": quarter}
    return _("%(ordinal)s trimestre %(year)s") % {"ordinal": ordinal, "year": year}


@dataclass
class FunderReturn:
    kind: str
    store: Store
    period: Period
    period_label: str
    summary_rows: list[tuple[str, Any, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{RETURN_KINDS[self.kind]} — {self.store.name}"

    @property
    def subtitle(self) -> str:
        place = " ".join(
            part for part in (self.store.address, self.store.postal_code, self.store.city) if part
        )
        text = _("Période : %(label)s (du %(first)s au %(last)s)") % {
            "label": self.period_label,
            "first": f"{self.period.first:%d/%m/%Y}",
            "last": f"{self.period.last:%d/%m/%Y}",
        }
        return f"{text} · {place}" if place else text

    def summary(self) -> list[tuple[str, str]]:
        return [(label, display(value, kind)) for label, value, kind in self.summary_rows]  # type: ignore[arg-type]

    @property
    def footnote(self) -> str:
        return f"{DEFINITIONS} {NOT_TRACKED}"

    def export_tables(self) -> list[Table]:
        """The key figures as a typed table (numbers stay numbers in XLSX), then the tables."""
        key = Table(
            title=_("Chiffres clés"),
            columns=[
                Column("label", gettext_lazy("Indicateur")),
                Column("int", gettext_lazy("Nombre"), "int"),
                Column("grams", gettext_lazy("Poids"), "grams"),
                Column("cents", gettext_lazy("Montant"), "cents"),
            ],
            rows=[
                [
                    label,
                    value if kind == "int" else None,
                    value if kind == "grams" else None,
                    value if kind == "cents" else None,
                ]
                for label, value, kind in self.summary_rows
            ],
        )
        return [key, *self.tables]


def _people_rows(report: ActivityReport) -> list[tuple[str, Any, str]]:
    f = report.figures
    return [
        (_("Foyers servis (sans doublon)"), f["households"], "int"),
        (_("Personnes servies"), f["people"], "int"),
        (
            _("dont enfants de 15 ans ou moins"),
            report.people.children if report.people else 0,
            "int",
        ),
        (
            _("dont personnes de 65 ans ou plus"),
            report.people.seniors if report.people else 0,
            "int",
        ),
        (_("Passages (tickets des foyers)"), f["visits"], "int"),
        (_("Nouvelles admissions"), f["admissions"], "int"),
    ]


def _by_month(store: Store, period: Period) -> Table:
    grouped = analytics.aggregate(
        store,
        period,
        dimensions=["month"],
        measures=["households", "tickets", "kg", "unweighed", "full"],
    )
    return analytics.grouped_table(grouped, title=_("Mois par mois"))


def _food_bank_table(kg: Kilograms) -> Table:
    """The food bank's goods by rayon: the rayon table of the food bank's kilograms."""
    table = kg.tables[1]
    return Table(
        title=_("Denrées de la banque alimentaire, par rayon"),
        columns=table.columns,
        rows=table.rows,
        totals=table.totals,
        note=_("Les lots reçus de la banque alimentaire (provenance « banque alimentaire »)."),
    )


def food_bank_return(store: Store, year: int, quarter: int) -> FunderReturn:
    period = quarter_period(year, quarter, store.timezone)
    report = activity_report(store, period, annual=False)
    assert report.kg is not None
    ours = kilograms(store, period, origins=[ORIGIN_FOOD_BANK])
    result = FunderReturn(
        kind="foodbank", store=store, period=period, period_label=quarter_label(quarter, year)
    )
    result.summary_rows = [
        *_people_rows(report),
        (_("Kilos reçus de la banque alimentaire"), ours.received.grams, "grams"),
        (_("Kilos de la banque alimentaire distribués"), ours.distributed.grams, "grams"),
        (_("Kilos de la banque alimentaire perdus"), ours.lost.grams, "grams"),
        (_("Kilos distribués, toutes provenances"), report.kg.distributed.grams, "grams"),
        (
            _("Kilos distribués par personne servie"),
            report.kg.per_person(report.figures["people"]),
            "grams",
        ),
        (_("Pièces distribuées sans poids"), report.kg.distributed.unweighed, "int"),
    ]
    result.tables = [
        _food_bank_table(ours),
        report.kg.tables[0],  # all origins
        _by_month(store, period),
        report.people.table() if report.people else report.kg.tables[-1],
        report.kg.tables[-1],  # products without weight
    ]
    return result


def authorisation_return(store: Store, year: int) -> FunderReturn:
    period = Period(date(year, 1, 1), date(year, 12, 31), store.timezone)
    report = activity_report(store, period, annual=True)
    assert report.kg is not None and report.people is not None
    kg = report.kg
    result = FunderReturn(kind="authorisation", store=store, period=period, period_label=str(year))
    result.summary_rows = [
        *_people_rows(report),
        (_("Renouvellements"), report.figures["renewals"], "int"),
        (_("Kilos reçus"), kg.received.grams, "grams"),
        (_("Kilos distribués"), kg.distributed.grams, "grams"),
        (_("Kilos perdus"), kg.lost.grams, "grams"),
        (
            _("Kilos distribués par personne servie"),
            kg.per_person(report.figures["people"]),
            "grams",
        ),
        (_("Pièces distribuées sans poids"), kg.distributed.unweighed, "int"),
        (_("Valeur distribuée (prix plein)"), report.figures["full"], "cents"),
        (_("Montant payé par les foyers"), report.figures["paid_households"], "cents"),
    ]
    origin, rayon, losses, quality, unweighed = kg.tables
    result.tables = [
        report.people.table(),
        origin,
        rayon,
        losses,
        quality,
        _by_month(store, period),
        unweighed,
    ]
    return result


def funder_return(store: Store, kind: str, year: int, quarter: int | None = None) -> FunderReturn:
    """Raises ValueError (French) on an unknown kind or a missing quarter."""
    if kind == "foodbank":
        if quarter is None:
            raise ValueError(
                _("Le bilan de la banque alimentaire est trimestriel : son trimestre ?")
            )
        return food_bank_return(store, year, quarter)
    if kind == "authorisation":
        return authorisation_return(store, year)
    raise ValueError(_("Bilan inconnu : « %(kind)s ».") % {"kind": kind})
