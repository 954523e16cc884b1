"""The funders' categories of the people a household brings (FSE+ and the State's returns).

Ages come from the household composition: the members' birth dates (or, for a household
whose members were never detailed, the reference person's). The other categories — women,
people with a disability, migrants, homeless people — are **optional answers recorded only
with the household's explicit consent** (:class:`~cabas.gestion.beneficiaries.models.
FunderAnswers`); withdrawing the consent erases them. Reports count everyone else as
« non renseigné », never as zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.audit.services import audit_record
from cabas.gestion.beneficiaries.models import FunderAnswers, Household


def funder_answers_of(household: Household) -> FunderAnswers | None:
    return FunderAnswers.objects.filter(household=household).first()


@transaction.atomic
def funder_answers_set(
    *,
    household: Household,
    actor: Any,
    consent: bool,
    answers: Mapping[str, Any],
) -> FunderAnswers:
    """Record the household's answers, given its explicit consent; without the consent every
    answer is erased (the consent can be withdrawn at any time). The audit trail says that
    the answers changed, never what they are (health and origin data)."""
    unknown = sorted(set(answers) - set(FunderAnswers.ANSWER_FIELDS))
    if unknown:
        raise ValueError(f"Unknown answers: {unknown}")
    row = FunderAnswers.objects.select_for_update().filter(household=household).first()
    if row is None:
        row = FunderAnswers(store_id=household.store_id, household=household)
    before = (row.consent, *(getattr(row, f) for f in FunderAnswers.ANSWER_FIELDS))
    if consent:
        if not row.consent:
            row.consent_at = timezone.now()
            row.consent_by = actor if getattr(actor, "is_authenticated", False) else None
        row.consent = True
        size = household.adults + household.children
        errors = {}
        for field in ("women", "disabled", "migrants"):
            value = answers.get(field)
            if value is not None and not 0 <= int(value) <= size:
                errors[field] = _("Entre 0 et %(size)s : le nombre de personnes du foyer.") % {
                    "size": size
                }
            setattr(row, field, value)
        row.homeless = answers.get("homeless")
        if errors:
            raise ValidationError(errors)
    else:
        row.consent, row.consent_at, row.consent_by = False, None, None
        for field in FunderAnswers.ANSWER_FIELDS:
            setattr(row, field, None)
    row.save()
    after = (row.consent, *(getattr(row, f) for f in FunderAnswers.ANSWER_FIELDS))
    if after != before:
        audit_record(
            store=household.store,
            actor=actor,
            action="household.funder_answers_changed",
            target=household,
            changes={"consent": [before[0], row.consent], "answers": ["…", "…"]},
        )
    return row


def funder_answers_export(household: Household) -> dict[str, Any] | None:
    """The answers as the right-of-access export shows them."""
    row = funder_answers_of(household)
    if row is None:
        return None
    return {
        "consent": row.consent,
        "consent_at": row.consent_at.isoformat() if row.consent_at else None,
        **{field: getattr(row, field) for field in FunderAnswers.ANSWER_FIELDS},
    }
