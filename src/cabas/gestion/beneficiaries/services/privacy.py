"""Privacy: the notice accepted, the accesses to a file traced, the anonymisation."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.audit.services import audit_record
from cabas.gestion.beneficiaries.models import (
    FunderAnswers,
    Household,
    HouseholdAccessLog,
    HouseholdMember,
    RetiredCode,
    RightsPeriod,
)
from cabas.gestion.beneficiaries.parts import household_parts


@transaction.atomic
def household_privacy_accept(*, household: Household, actor: User | None) -> Household:
    """Record that the household was given the information notice and accepted it (on the
    page of the notice, at registration, or by an import whose line says it was given)."""
    household.privacy_accepted_at = timezone.now()
    household.privacy_accepted_by = actor
    household.save(update_fields=["privacy_accepted_at", "privacy_accepted_by", "updated_at"])
    audit_record(
        store=household.store, actor=actor, action="household.privacy_accepted", target=household
    )
    return household


def household_access_log(*, household: Household, user: User, action: str = "view") -> None:
    """Trace that `user` opened (or exported) the household's full file."""
    HouseholdAccessLog.objects.create(
        store_id=household.store_id, household=household, user=user, action=action
    )


ANONYMOUS_LABEL = "FOYER ANONYMISÉ"


@transaction.atomic
def household_anonymise(
    *, household: Household, when: datetime | None = None, actor: User | None = None
) -> bool:
    """Erase what identifies the household; keep what statistics need (composition counts,
    commune, rights dates, monthly spending totals). Returns False if it already was."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.anonymised_at is not None:
        return False
    when = when or timezone.now()
    names = (household.label, household.last_name, household.first_name)
    RetiredCode.objects.get_or_create(
        store_id=household.store_id, code=household.code, defaults={"household": household}
    )
    # A code out of the card alphabet: it can never be scanned or generated again.
    household.code = f"ANON{household.pk}"
    household.label = ANONYMOUS_LABEL
    for field in Household.anonymised_fields():
        nullable = getattr(Household._meta.get_field(field), "null", False)
        setattr(household, field, None if nullable else "")
    household.privacy_accepted_by = None
    household.anonymised_at = when
    household.save()
    HouseholdMember.objects.filter(household=household).delete()
    FunderAnswers.objects.filter(household=household).delete()  # sensitive answers too
    HouseholdAccessLog.objects.filter(household=household).delete()
    RightsPeriod.objects.filter(household=household).update(suspension_reason="", created_by=None)
    # What the apps above keep about the household (sales: anomaly texts that may name it).
    for part in household_parts():
        if part.erase is not None:
            part.erase(household, names)
    # The audit trail keeps what happened, not who it happened to.
    AuditEvent.objects.filter(
        target_type=household._meta.label_lower, target_id=str(household.pk)
    ).update(target_repr=ANONYMOUS_LABEL, reason="")
    audit_record(
        store=household.store, actor=actor, action="household.anonymised", target=household
    )
    return True
