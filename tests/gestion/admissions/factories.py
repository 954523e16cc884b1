"""Referrals, links and sessions for tests, made through the real services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cabas.gestion.accounts.models import User
from cabas.gestion.admissions import services
from cabas.gestion.admissions.models import CommitteeSession, PartnerLink, Referral
from cabas.gestion.stores.models import Store


def referral_data(**data: Any) -> dict[str, Any]:
    return {
        "service": "CCAS de Lyon",
        "referrer_name": "Sophie Martin",
        "referrer_email": "sophie.martin@ccas.example.org",
        "last_name": "Benali",
        "first_name": "Nadia",
        "commune": "Lyon",
        "adults": 1,
        "children": 2,
        "income_cents": 110000,
        "charges_cents": 82050,
        "reason": "Dettes d'énergie",
        "goal": "Rééquilibrer le budget",
        **data,
    }


def make_link(store: Store, actor: User, *, days: int = 30, service: str = "CCAS") -> PartnerLink:
    return services.partner_link_create(
        store=store,
        actor=actor,
        service=service,
        contact_email="accueil@ccas.example.org",
        expires_on=store.today() + timedelta(days=days),
    )


def make_referral(store: Store, actor: User, **data: Any) -> Referral:
    return services.referral_enter(store=store, actor=actor, data=referral_data(**data), answers={})


def make_session(
    store: Store, actor: User, referrals: list[Referral], held_on: date | None = None
) -> CommitteeSession:
    return services.committee_session_create(
        store=store, actor=actor, held_on=held_on or store.today(), referrals=referrals
    )
