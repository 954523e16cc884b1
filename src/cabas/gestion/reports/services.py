"""Writes of the reports app: saved statistics."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.reports.models import SavedStatistic
from cabas.gestion.reports.statistics import StatisticDefinition, parse_definition
from cabas.gestion.stores.models import Store


def _clean_name(store: Store, name: str, exclude: int | None = None) -> str:
    others = SavedStatistic.objects.filter(store=store, name=name.strip())
    if exclude is not None:
        others = others.exclude(pk=exclude)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Donnez un nom à la statistique.")})
    if others.exists():
        raise ValidationError({"name": _("Une statistique porte déjà ce nom.")})
    return name


@transaction.atomic
def saved_statistic_create(
    *, store: Store, actor: User | None, name: str, definition: StatisticDefinition | dict[str, Any]
) -> SavedStatistic:
    """Save a builder definition under a name, for every manager of the shop."""
    checked = definition if isinstance(definition, StatisticDefinition) else _checked(definition)
    return SavedStatistic.objects.create(
        store=store,
        name=_clean_name(store, name),
        definition=checked.model_dump(mode="json"),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def saved_statistic_update(
    *, statistic: SavedStatistic, name: str, definition: StatisticDefinition
) -> SavedStatistic:
    statistic.name = _clean_name(statistic.store, name, exclude=statistic.pk)
    statistic.definition = definition.model_dump(mode="json")
    statistic.save(update_fields=["name", "definition", "updated_at"])
    return statistic


@transaction.atomic
def saved_statistic_delete(*, statistic: SavedStatistic) -> None:
    statistic.delete()


def _checked(data: dict[str, Any]) -> StatisticDefinition:
    try:
        return parse_definition(data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
