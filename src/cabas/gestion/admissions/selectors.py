"""Reads of admissions: the settings, the queue, a referral, the sessions and what the
committee needs to decide (reste à vivre against the threshold, the proposed budget)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from cabas.gestion.admissions.models import (
    AdmissionSettings,
    CommitteeSession,
    Decision,
    PartnerLink,
    Referral,
)
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.parts import plain
from cabas.gestion.beneficiaries.selectors import beneficiary_settings
from cabas.gestion.stores.models import Store
from cabas.rules.budget import reste_a_vivre_cents_per_day

QUEUE_FILTERS = ("waiting", "pending", "postponed", "admitted", "refused", "all")


def admission_settings(store: Store) -> AdmissionSettings:
    """The shop's rules of admission, created with the defaults on first use."""
    found, _created = AdmissionSettings.objects.get_or_create(store=store)
    return found


def referral_queue(store: Store, status: str = "waiting") -> QuerySet[Referral]:
    referrals = Referral.objects.filter(store=store).select_related("link")
    if status == "waiting":
        return referrals.filter(status__in=[Referral.Status.PENDING, Referral.Status.POSTPONED])
    if status in Referral.Status.values:
        return referrals.filter(status=status)
    return referrals


def referral_of(store: Store, pk: int) -> Referral:
    return get_object_or_404(
        Referral.objects.select_related("link", "household"), store=store, pk=pk
    )


def partner_links(store: Store) -> QuerySet[PartnerLink]:
    return PartnerLink.objects.filter(store=store).select_related("created_by")


def partner_link_of(store: Store, pk: int) -> PartnerLink:
    return get_object_or_404(PartnerLink, store=store, pk=pk)


def sessions(store: Store) -> QuerySet[CommitteeSession]:
    return CommitteeSession.objects.filter(store=store)


def session_of(store: Store, pk: int) -> CommitteeSession:
    return get_object_or_404(CommitteeSession, store=store, pk=pk)


@dataclass(frozen=True)
class AgendaItem:
    """A referral on the session's agenda, with what the committee weighs."""

    decision: Decision
    referral: Referral
    reste_cents: int
    threshold_cents: int
    proposed_budget_cents: int

    @property
    def below_threshold(self) -> bool:
        return self.reste_cents < self.threshold_cents


def session_agenda(session: CommitteeSession) -> list[AgendaItem]:
    settings_ = beneficiary_settings(session.store)
    scale = settings_.scale
    items = []
    for decision in session.decisions.select_related("referral", "decided_by").order_by("pk"):
        referral = decision.referral
        items.append(
            AgendaItem(
                decision=decision,
                referral=referral,
                reste_cents=reste_a_vivre_cents_per_day(
                    referral.income_cents, referral.charges_cents, max(referral.size, 1)
                ),
                threshold_cents=settings_.reste_a_vivre_threshold_cents,
                proposed_budget_cents=scale.proposed_budget_cents(
                    max(referral.adults, 1), referral.children
                ),
            )
        )
    return items


def household_referrals_export(household: Household) -> dict[str, object]:
    """The referrals that opened the household, for its access-request export."""
    rows = []
    for referral in Referral.objects.filter(store_id=household.store_id, household=household):
        row: dict[str, Any] = {"reference": referral.reference, "service": referral.service}
        row |= {field: plain(getattr(referral, field)) for field in Referral.PERSONAL_FIELDS}
        row["adults"], row["children"] = referral.adults, referral.children
        row["received_at"] = plain(referral.received_at)
        row["decisions"] = [
            {
                "session": plain(d.session.held_on),
                "outcome": d.outcome,
                "months": d.months,
                "budget_cents": d.budget_cents,
                "reason": d.reason,
            }
            for d in referral.decisions.select_related("session")
        ]
        rows.append(row)
    return {"referrals": rows}
