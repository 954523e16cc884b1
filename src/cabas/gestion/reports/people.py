"""The people served, by the categories funders count them in (FSE+, the State's returns).

- *Ages* come from the household composition: each member's birth date (children aged 15 or
  less, people aged 65 or more, on the last day of the period). A household whose members were
  never detailed brings only its reference person's birth date; its other people are « âge
  non renseigné ».
- *Women, people with a disability, migrants or people of foreign background, homeless
  people* come from the optional answers a household gave with its explicit consent
  (:class:`~cabas.gestion.beneficiaries.models.FunderAnswers`); the people of the other
  households are « non renseigné », never zero.

One query: the served households' sizes, answers and reference persons' ages, with their
members' ages counted by correlated sub-queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cabas.gestion.beneficiaries.models import FunderAnswers, HouseholdMember
from cabas.gestion.core.routers import reporting_database
from cabas.gestion.reports.tables import Column, Table

CHILD_MAX_AGE = 15
SENIOR_MIN_AGE = 65

DEFINITIONS = gettext_lazy(
    "Âges au dernier jour de la période, d'après les dates de naissance de la composition des "
    "foyers. Femmes, handicap, migrants, sans domicile : réponses facultatives données avec "
    "l'accord explicite du foyer ; « non renseigné » pour les autres."
)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class People:
    total: int
    children: int  # aged 15 or less
    seniors: int  # aged 65 or more
    unknown_age: int
    women: int
    disabled: int
    migrants: int
    homeless: int
    answered: int  # people of households that consented to answer
    unanswered: dict[str, int]  # per category: people without an answer

    def table(self) -> Table:
        rows: list[list[Any]] = [
            [_("Personnes servies"), self.total, None],
            [_("Enfants de 15 ans ou moins"), self.children, self.unknown_age],
            [_("Personnes de 65 ans ou plus"), self.seniors, self.unknown_age],
            [_("Femmes"), self.women, self.unanswered["women"]],
            [_("Personnes en situation de handicap"), self.disabled, self.unanswered["disabled"]],
            [
                _("Personnes migrantes ou d'origine étrangère"),
                self.migrants,
                self.unanswered["migrants"],
            ],
            [_("Personnes sans domicile"), self.homeless, self.unanswered["homeless"]],
        ]
        return Table(
            title=_("Personnes servies par catégorie des financeurs"),
            columns=[
                Column("category", gettext_lazy("Catégorie")),
                Column("people", gettext_lazy("Personnes"), "int"),
                Column("unknown", gettext_lazy("Non renseigné (personnes)"), "int"),
            ],
            rows=rows,
            note=str(DEFINITIONS),
        )


def people_served(served: Any, on: date) -> People:
    """``served``: a queryset of the served households; ages on ``on`` (the period's last day)."""
    db = reporting_database()
    child_born_after = _years_before(on, CHILD_MAX_AGE + 1)  # born after: 15 or less
    senior_born_by = _years_before(on, SENIOR_MIN_AGE)  # born on or before: 65 or more
    size = F("adults") + F("children")
    consented = Q(funder_answers__consent=True)

    def answered(field: str) -> Q:
        return consented & Q(**{f"funder_answers__{field}__isnull": False})

    # Per household, its members' counts (correlated sub-queries on the members' household
    # index): one query over the served households, their subquery run once.
    def members(condition: Q) -> Coalesce:
        counted = (
            HouseholdMember.objects.using(db)
            .filter(condition, household=OuterRef("pk"))
            .order_by()
            .values("household")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    rows = served.annotate(
        size=size,
        m_all=members(Q()),
        m_child=members(Q(birth_date__gt=child_born_after, birth_date__lte=on)),
        m_senior=members(Q(birth_date__lte=senior_born_by)),
        m_known=members(Q(birth_date__isnull=False)),
    )
    undetailed = Q(m_all=0)
    totals = rows.aggregate(
        total=Coalesce(Sum("size"), 0),
        members_children=Coalesce(Sum("m_child"), 0),
        members_seniors=Coalesce(Sum("m_senior"), 0),
        members_known=Coalesce(Sum("m_known"), 0),
        ref_child=Count(
            "id", filter=undetailed & Q(birth_date__gt=child_born_after, birth_date__lte=on)
        ),
        ref_senior=Count("id", filter=undetailed & Q(birth_date__lte=senior_born_by)),
        ref_known=Count("id", filter=undetailed & Q(birth_date__isnull=False)),
        women=Coalesce(Sum("funder_answers__women", filter=consented), 0),
        disabled=Coalesce(Sum("funder_answers__disabled", filter=consented), 0),
        migrants=Coalesce(Sum("funder_answers__migrants", filter=consented), 0),
        homeless=Coalesce(Sum("size", filter=consented & Q(funder_answers__homeless=True)), 0),
        **{
            f"answered_{field}": Coalesce(Sum("size", filter=answered(field)), 0)
            for field in FunderAnswers.ANSWER_FIELDS
        },
        answered=Coalesce(Sum("size", filter=consented), 0),
    )
    members_counts = {
        "children": totals["members_children"],
        "seniors": totals["members_seniors"],
        "known": totals["members_known"],
    }
    total = totals["total"]
    known = members_counts["known"] + totals["ref_known"]
    return People(
        total=total,
        children=members_counts["children"] + totals["ref_child"],
        seniors=members_counts["seniors"] + totals["ref_senior"],
        unknown_age=max(total - known, 0),
        women=totals["women"],
        disabled=totals["disabled"],
        migrants=totals["migrants"],
        homeless=totals["homeless"],
        answered=totals["answered"],
        unanswered={
            field: total - totals[f"answered_{field}"] for field in FunderAnswers.ANSWER_FIELDS
        },
    )
