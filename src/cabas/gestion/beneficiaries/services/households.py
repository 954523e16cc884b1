"""Households: registration, changes of the file and of its members, budget, card codes.

Every change is audited inside its transaction. Audit entries about a household carry the
names of the personal fields that changed, never their values, so that the audit trail holds
no personal data once the household is anonymised.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record, diff_fields, snapshot_fields
from cabas.gestion.beneficiaries import codes
from cabas.gestion.beneficiaries.models import Household, HouseholdMember, RetiredCode
from cabas.gestion.beneficiaries.selectors import beneficiary_settings
from cabas.gestion.beneficiaries.services.privacy import household_privacy_accept
from cabas.gestion.beneficiaries.services.rights import rights_admit
from cabas.gestion.stores.models import Store

PERSONAL_FIELDS = Household.PERSONAL_FIELDS
"""Fields whose values never go into the audit trail (only the fact that they changed)."""
AUDITED_VALUE_FIELDS = (*Household.FILE_FIELDS, "monthly_budget_cents")
"""Fields audited with their values: the file's other fields, and the budget."""
HOUSEHOLD_FIELDS = PERSONAL_FIELDS + AUDITED_VALUE_FIELDS
LABEL_LENGTH = 40


def household_label(last_name: str, first_name: str = "") -> str:
    """The short name the till shows: ``"DUPONT M."``, never more than the surname and an
    initial."""
    surname = " ".join(last_name.split()).upper()
    initial = first_name.strip()[:1].upper()
    suffix = f" {initial}." if initial else ""
    return surname[: LABEL_LENGTH - len(suffix)] + suffix


def _new_code(store: Store) -> str:
    # Random codes practically never collide; checking the shop's current and retired codes
    # makes sure an old card can never open another household.
    while True:
        code = codes.generate()
        if not (
            Household.objects.filter(store=store, code=code).exists()
            or RetiredCode.objects.filter(store=store, code=code).exists()
        ):
            return code


def _audit_changes(changes: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    return {
        field: (["…", "…"] if field in PERSONAL_FIELDS else change)
        for field, change in changes.items()
    }


def _members_counts(members: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    adults = children = 0
    for member in members:
        if member.get("is_adult", True):
            adults += 1
        else:
            children += 1
    return adults, children


@transaction.atomic
def household_create(
    *,
    store: Store,
    actor: User | None,
    data: Mapping[str, Any],
    members: Iterable[Mapping[str, Any]] = (),
) -> Household:
    """Register a household; its budget defaults to the shop's scale for its size."""
    unknown = sorted(set(data) - set(HOUSEHOLD_FIELDS))
    if unknown:
        raise ValueError(f"Unknown household fields: {unknown}")
    members = list(members)
    household = Household(store=store, **data)
    if members:
        household.adults, household.children = _members_counts(members)
    if household.monthly_budget_cents is None:
        scale = beneficiary_settings(store).scale
        household.monthly_budget_cents = scale.proposed_budget_cents(
            max(household.adults, 1), household.children
        )
    household.label = household_label(household.last_name, household.first_name)
    household.code = _new_code(store)
    household.card_issued_at = timezone.now()
    household.full_clean()
    _check_composition(household)
    check_birth_date(household.birth_date, store.today())
    household.save()
    _members_replace(household, members)
    audit_record(
        store=store,
        actor=actor,
        action="household.created",
        target=household,
        changes={
            "monthly_budget_cents": [None, household.monthly_budget_cents],
            "rate_bp": [None, household.rate_bp],
        },
    )
    return household


@transaction.atomic
def household_register(
    *,
    store: Store,
    actor: User,
    data: Mapping[str, Any],
    start: date,
    months: int,
    privacy_accepted: bool,
) -> Household:
    """The "Nouveau foyer" page: the household (:func:`household_create`), its first rights
    from ``start`` for ``months`` months, and the information notice it was given and
    accepted; all or nothing. A household is not registered without the notice."""
    if not privacy_accepted:
        raise ValidationError(
            {
                "privacy_accepted": _(
                    "Remettez la notice d'information au foyer et cochez cette case : un foyer "
                    "ne s'enregistre pas sans elle."
                )
            }
        )
    household = household_create(store=store, actor=actor, data=data)
    rights_admit(household=household, actor=actor, start=start, months=months)
    household_privacy_accept(household=household, actor=actor)
    return household


def _check_composition(household: Household) -> None:
    if household.adults < 1:
        raise ValidationError({"adults": _("Un foyer compte au moins un adulte.")})


def _members_replace(household: Household, members: list[Mapping[str, Any]]) -> None:
    HouseholdMember.objects.filter(household=household).delete()
    rows = []
    today = household.store.today()
    for member in members:
        check_birth_date(member.get("birth_date"), today)
        row = HouseholdMember(
            store_id=household.store_id,
            household=household,
            first_name=member.get("first_name", ""),
            birth_date=member.get("birth_date"),
            is_adult=member.get("is_adult", True),
        )
        row.full_clean(exclude=["household", "store"])
        rows.append(row)
    HouseholdMember.objects.bulk_create(rows)


@transaction.atomic
def household_update(
    *, household: Household, actor: User | None, data: Mapping[str, Any], reason: str = ""
) -> Household:
    """Change a household's file. A change of budget or rate is audited with its values."""
    unknown = sorted(set(data) - set(HOUSEHOLD_FIELDS))
    if unknown:
        raise ValueError(f"Unknown household fields: {unknown}")
    before = snapshot_fields(household, HOUSEHOLD_FIELDS)
    for field, value in data.items():
        setattr(household, field, value)
    household.label = household_label(household.last_name, household.first_name)
    household.full_clean()
    _check_composition(household)
    check_birth_date(household.birth_date, household.store.today())
    changes = diff_fields(household, before, HOUSEHOLD_FIELDS)
    if not changes:
        return household
    household.save()
    audit_record(
        store=household.store,
        actor=actor,
        action="household.updated",
        target=household,
        changes=_audit_changes(changes),
        reason=reason,
    )
    return household


@transaction.atomic
def household_members_set(
    *, household: Household, actor: User | None, members: Iterable[Mapping[str, Any]]
) -> Household:
    """Replace the members' details; the counts follow them."""
    members = list(members)
    before = snapshot_fields(household, ("adults", "children"))
    if members:
        household.adults, household.children = _members_counts(members)
        _check_composition(household)
    _members_replace(household, members)
    household.save(update_fields=["adults", "children", "updated_at"])
    audit_record(
        store=household.store,
        actor=actor,
        action="household.members_changed",
        target=household,
        changes=diff_fields(household, before, ("adults", "children")),
    )
    return household


@transaction.atomic
def household_set_budget(
    *, household: Household, actor: User | None, monthly_budget_cents: int, reason: str = ""
) -> Household:
    """Adjust the household's monthly budget (audited)."""
    if monthly_budget_cents < 0:
        raise ValidationError({"monthly_budget_cents": _("Le budget ne peut pas être négatif.")})
    before = household.monthly_budget_cents
    if before == monthly_budget_cents:
        return household
    household.monthly_budget_cents = monthly_budget_cents
    household.save(update_fields=["monthly_budget_cents", "updated_at"])
    audit_record(
        store=household.store,
        actor=actor,
        action="household.budget_changed",
        target=household,
        changes={"monthly_budget_cents": [before, monthly_budget_cents]},
        reason=reason,
    )
    return household


def check_birth_date(day: date | None, today: date) -> None:
    if day is not None and day > today:
        raise ValidationError(
            {"birth_date": _("La date de naissance ne peut pas être dans le futur.")}
        )


@transaction.atomic
def household_card_reissue(*, household: Household, actor: User | None, reason: str = "") -> str:
    """Give the household a new card code; the old card stops working at once (the till
    forgets the old code at its next sync)."""
    # Lock the row: two re-issues at once must not both retire the same code.
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.anonymised_at is not None:
        raise ValidationError(_("Ce foyer a été anonymisé."))
    old = household.code
    RetiredCode.objects.create(store_id=household.store_id, household=household, code=old)
    household.code = _new_code(household.store)
    household.card_issued_at = timezone.now()
    household.save(update_fields=["code", "card_issued_at", "updated_at"])
    audit_record(
        store=household.store,
        actor=actor,
        action="household.card_reissued",
        target=household,
        changes={"code": [old, household.code]},
        reason=reason,
    )
    return household.code
