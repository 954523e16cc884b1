"""Demo statistics: a few saved statistics the demo managers find ready to open."""

from __future__ import annotations

from cabas.gestion.accounts.models import User
from cabas.gestion.reports.models import SavedStatistic
from cabas.gestion.reports.services import saved_statistic_create
from cabas.gestion.stores.demo import register
from cabas.gestion.stores.models import Store

DEMO_STATISTICS = [
    (
        "Montant payé par semaine",
        {"measure": "paid", "dimensions": ["week"], "period": "last_3_months", "chart": "line"},
    ),
    (
        "Valeur distribuée par rayon",
        {"measure": "full", "dimensions": ["rayon"], "period": "last_3_months"},
    ),
    (
        "Foyers servis par mois et taille",
        {
            "measure": "households",
            "dimensions": ["month", "household_size"],
            "period": "last_12_months",
        },
    ),
]


@register(90, "statistiques enregistrées")
def load_statistics(store: Store, users: dict[str, User]) -> None:
    existing = set(SavedStatistic.objects.filter(store=store).values_list("name", flat=True))
    for name, definition in DEMO_STATISTICS:
        if name not in existing:
            saved_statistic_create(
                store=store, actor=users["responsable"], name=name, definition=definition
            )
