"""Projects, slots and appointments for tests, made through the real services."""

from __future__ import annotations

from datetime import date, time, timedelta

from cabas.gestion.accompaniment import services
from cabas.gestion.accompaniment.models import Project, Slot
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.stores.models import Store


def make_project(
    household: Household,
    *,
    goal_cents: int = 50_000,
    start: date | None = None,
    label: str = "Permis de conduire",
) -> Project:
    start = start or household.store.today() - timedelta(days=30)
    return services.project_create(
        household=household,
        actor=None,
        label=label,
        goal_cents=goal_cents,
        start=start,
        target_date=start + timedelta(days=180),
    )


def make_slot(
    store: Store,
    *,
    day: date | None = None,
    capacity: int = 3,
    kind: str = "any",
    start: time = time(14, 0),
    end: time = time(16, 0),
) -> Slot:
    return services.slot_create(
        store=store,
        actor=None,
        day=day or store.today() + timedelta(days=1),
        start_time=start,
        end_time=end,
        capacity=capacity,
        kind=kind,
    )
