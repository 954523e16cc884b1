"""Admissions' part of a household (see :mod:`cabas.gestion.beneficiaries.parts`): the
referrals that opened it in the access-request export, blanked at the anonymisation; and the
shop's rule on renewals (renewals in a row, then the waiting period) checked when rights are
renewed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cabas.gestion.admissions.models import AdmissionSettings, Referral
from cabas.gestion.admissions.selectors import household_referrals_export
from cabas.gestion.admissions.services import referrals_anonymise
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.parts import (
    DocumentSection,
    HouseholdPart,
    household_part_register,
    renewal_check_register,
    shown,
    shown_euros,
)
from cabas.rules.admission import next_rights_from


def _document(household: Household) -> list[DocumentSection]:
    """The referrals in the « Vos données » PDF: who sent the household, when, and what the
    committee decided."""
    referrals = Referral.objects.filter(store_id=household.store_id, household=household)
    decisions = [
        [
            shown(d.session.held_on),
            referral.reference,
            d.get_outcome_display() or "—",
            f"{d.months} mois" if d.months else "—",
            shown_euros(d.budget_cents) if d.budget_cents is not None else "—",
            d.reason or "—",
        ]
        for referral in referrals
        for d in referral.decisions.select_related("session")
    ]
    return [
        DocumentSection(
            title=_("Votre orientation vers l'épicerie"),
            columns=[_("Référence"), _("Service"), _("Reçue le")],
            rows=[
                [r.reference, r.service, shown(r.received_at, household.store.zone)]
                for r in referrals.order_by("received_at", "pk")
            ],
            empty=_("Aucune fiche d'orientation."),
        ),
        DocumentSection(
            title=_("Décisions de la commission"),
            columns=[_("Date"), _("Référence"), _("Décision"), _("Durée"), _("Budget"), _("Motif")],
            rows=decisions,
            empty=_("Aucune décision."),
        ),
    ]


def _erase(household: Household, names: Sequence[str]) -> None:
    referrals_anonymise(household=household)


def renewal_check(household: Household, start: date) -> None:
    """Refuse rights from ``start`` when the household used its renewals in a row and its
    waiting period is not over (only once the shop has set its rules of admission)."""
    rules = AdmissionSettings.objects.filter(store_id=household.store_id).first()
    if rules is None:
        return
    periods = list(household.periods.values_list("start", "end"))
    earliest = next_rights_from(
        periods, renewals_allowed=rules.renewals_allowed, waiting_months=rules.waiting_months
    )
    if earliest is not None and start < earliest:
        raise ValidationError(
            _(
                "Ce foyer a déjà eu %(n)d renouvellement(s) à la suite : de nouveaux droits "
                "sont possibles à partir du %(day)s (délai de carence de l'épicerie)."
            )
            % {"n": rules.renewals_allowed, "day": f"{earliest:%d/%m/%Y}"}
        )


household_part_register(
    HouseholdPart(
        name="admissions", export=household_referrals_export, document=_document, erase=_erase
    )
)
renewal_check_register("admissions", renewal_check)
