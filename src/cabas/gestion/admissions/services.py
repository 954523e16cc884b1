"""Writes of admissions: partner links, referrals, the committee's sessions and decisions.

Every change is audited inside its transaction; the audit entries name a referral by its
reference, never by the household's name. Opening a referral is audited too.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.admissions.models import (
    AdmissionSettings,
    CommitteeSession,
    Decision,
    PartnerLink,
    Referral,
)
from cabas.gestion.admissions.selectors import admission_settings
from cabas.gestion.audit.services import audit_record
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.services import (
    MAX_PERIOD_MONTHS,
    MIN_PERIOD_MONTHS,
    check_rights_start,
    household_create,
    rights_admit,
)
from cabas.gestion.stores.models import Store

LINK_SALT = "cabas.admissions.partner-link"
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_QUESTIONS = 10
QUESTION_LENGTH = 200
ANSWER_LENGTH = 2000
REFERRAL_FIELDS = (
    "service",
    "referrer_name",
    "referrer_email",
    "referrer_phone",
    "last_name",
    "first_name",
    "birth_date",
    "phone",
    "email",
    "address",
    "postal_code",
    "commune",
    "adults",
    "children",
    "income_cents",
    "charges_cents",
    "reason",
    "goal",
)
SETTINGS_FIELDS = ("default_months", "renewals_allowed", "waiting_months")


class LinkInvalidError(Exception):
    """A partner link that does not open the form; ``str()`` is the French message."""


# --- Settings ---------------------------------------------------------------------------------


@transaction.atomic
def admission_settings_update(
    *, store: Store, actor: User, data: Mapping[str, Any], questions: Sequence[str]
) -> AdmissionSettings:
    """Change the shop's rules of admission and its own questions (one per line)."""
    current = admission_settings(store)
    unknown = sorted(set(data) - set(SETTINGS_FIELDS))
    if unknown:
        raise ValueError(f"Unknown admission settings: {unknown}")
    cleaned = [" ".join(q.split())[:QUESTION_LENGTH] for q in questions]
    cleaned = [q for q in cleaned if q]
    if len(cleaned) > MAX_QUESTIONS:
        raise ValidationError({"questions": _("Au plus %(n)d questions.") % {"n": MAX_QUESTIONS}})
    months = data.get("default_months", current.default_months)
    if not MIN_PERIOD_MONTHS <= months <= MAX_PERIOD_MONTHS:
        raise ValidationError(
            {
                "default_months": _("Une période de droits dure de %(a)d à %(b)d mois.")
                % {"a": MIN_PERIOD_MONTHS, "b": MAX_PERIOD_MONTHS}
            }
        )
    changes: dict[str, list[Any]] = {}
    for field, value in data.items():
        if getattr(current, field) != value:
            changes[field] = [getattr(current, field), value]
            setattr(current, field, value)
    if cleaned != current.questions:
        changes["questions"] = [len(current.questions), len(cleaned)]
        current.questions = cleaned
    if not changes:
        return current
    current.full_clean()
    current.save()
    audit_record(
        store=store,
        actor=actor,
        action="admissions.settings_changed",
        target=current,
        changes=changes,
    )
    return current


# --- Partner links ----------------------------------------------------------------------------


def partner_link_token(link: PartnerLink) -> str:
    """The link's token: its id and a random nonce, signed with the server's secret."""
    return signing.Signer(salt=LINK_SALT).sign(f"{link.pk}-{link.nonce}")


def partner_link_for_token(token: str, *, today: date | None = None) -> PartnerLink:
    """The link a token opens, or :class:`LinkInvalidError` (forged, revoked, expired)."""
    unknown = LinkInvalidError(
        _("Ce lien d'orientation n'est pas valable. Demandez un nouveau lien à l'épicerie.")
    )
    try:
        value = signing.Signer(salt=LINK_SALT).unsign(token)
    except signing.BadSignature as error:
        raise unknown from error
    pk, _sep, nonce = value.partition("-")
    if not pk.isascii() or not pk.isdigit() or len(pk) > 18:
        raise unknown
    link = PartnerLink.objects.select_related("store").filter(pk=int(pk)).first()
    if link is None or not secrets.compare_digest(link.nonce, nonce):
        raise unknown
    if link.revoked_at is not None:
        raise LinkInvalidError(
            _("Ce lien d'orientation a été révoqué par l'épicerie. Demandez-lui un nouveau lien.")
        )
    if not link.store.is_active:
        raise unknown
    if (today or link.store.today()) > link.expires_on:
        raise LinkInvalidError(
            _("Ce lien d'orientation a expiré le %(day)s. Demandez un nouveau lien à l'épicerie.")
            % {"day": f"{link.expires_on:%d/%m/%Y}"}
        )
    return link


@transaction.atomic
def partner_link_create(
    *, store: Store, actor: User, service: str, contact_email: str = "", expires_on: date
) -> PartnerLink:
    """A new link for a partner service, valid until ``expires_on`` (included)."""
    today = store.today()
    if expires_on < today:
        raise ValidationError({"expires_on": _("La date de fin ne peut pas être passée.")})
    if (expires_on - today).days > 3 * 366:
        raise ValidationError({"expires_on": _("Un lien est valable au plus trois ans.")})
    link = PartnerLink(
        store=store,
        service=" ".join(service.split()),
        contact_email=contact_email,
        nonce=secrets.token_urlsafe(18),
        expires_on=expires_on,
        created_by=actor,
    )
    link.full_clean()
    link.save()
    audit_record(
        store=store,
        actor=actor,
        action="admissions.link_created",
        target=link,
        changes={"expires_on": [None, expires_on.isoformat()]},
    )
    return link


@transaction.atomic
def partner_link_revoke(*, link: PartnerLink, actor: User) -> PartnerLink:
    """Stop the link at once (its referrals already sent stay)."""
    if link.revoked_at is not None:
        return link
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    audit_record(store=link.store, actor=actor, action="admissions.link_revoked", target=link)
    return link


# --- Referrals --------------------------------------------------------------------------------


def _new_reference(store: Store) -> str:
    while True:
        reference = "OR-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _n in range(8))
        if not Referral.objects.filter(store=store, reference=reference).exists():
            return reference


def _answers(store: Store, answers: Mapping[str, str]) -> list[dict[str, str]]:
    """The shop's questions with their answers, as the referral keeps them (the question's
    text too: the shop may change its questions later)."""
    questions = admission_settings(store).questions
    return [
        {"question": q, "answer": str(answers.get(q, "")).strip()[:ANSWER_LENGTH]}
        for q in questions
    ]


def _referral_save(
    *,
    store: Store,
    actor: User | None,
    data: Mapping[str, Any],
    answers: Mapping[str, str],
    link: PartnerLink | None,
) -> Referral:
    unknown = sorted(set(data) - set(REFERRAL_FIELDS))
    if unknown:
        raise ValueError(f"Unknown referral fields: {unknown}")
    referral = Referral(
        store=store,
        link=link,
        source=Referral.Source.LINK if link else Referral.Source.PAPER,
        created_by=actor,
        **data,
    )
    if link is not None:
        referral.service = link.service
    referral.reference = _new_reference(store)
    referral.answers = _answers(store, answers)
    if referral.adults < 1:
        raise ValidationError({"adults": _("Un foyer compte au moins un adulte.")})
    if referral.birth_date is not None and referral.birth_date > store.today():
        raise ValidationError(
            {"birth_date": _("La date de naissance ne peut pas être dans le futur.")}
        )
    referral.full_clean()
    referral.save()
    audit_record(
        store=store,
        actor=actor,
        action="admissions.referral_received",
        target=referral,
        changes={"source": [None, referral.source], "service": [None, referral.service]},
    )
    return referral


@transaction.atomic
def referral_submit(
    *, link: PartnerLink, data: Mapping[str, Any], answers: Mapping[str, str]
) -> Referral:
    """A referral sent by a social worker through the partner's link (no account)."""
    link = PartnerLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None or link.store.today() > link.expires_on:
        raise ValidationError(_("Ce lien d'orientation n'est plus valable."))
    return _referral_save(store=link.store, actor=None, data=data, answers=answers, link=link)


@transaction.atomic
def referral_enter(
    *, store: Store, actor: User, data: Mapping[str, Any], answers: Mapping[str, str]
) -> Referral:
    """A referral typed by the team from a paper form."""
    return _referral_save(store=store, actor=actor, data=data, answers=answers, link=None)


def referral_open(*, referral: Referral, user: User) -> None:
    """Trace that ``user`` opened the referral (it holds personal data)."""
    audit_record(
        store=referral.store, actor=user, action="admissions.referral_opened", target=referral
    )


# --- The committee ----------------------------------------------------------------------------


@transaction.atomic
def committee_session_create(
    *,
    store: Store,
    actor: User,
    held_on: date,
    referrals: Sequence[Referral],
    members: str = "",
) -> CommitteeSession:
    """A committee's session with the referrals it examines (waiting or postponed ones)."""
    if not referrals:
        raise ValidationError({"referrals": _("Choisissez au moins une orientation à examiner.")})
    waiting = {Referral.Status.PENDING, Referral.Status.POSTPONED}
    for referral in referrals:
        if referral.store_id != store.pk or referral.status not in waiting:
            raise ValidationError(
                _("L'orientation %(ref)s n'est plus à examiner.") % {"ref": referral.reference}
            )
    session = CommitteeSession(
        store=store, held_on=held_on, members=" ".join(members.split()), created_by=actor
    )
    session.full_clean()
    session.save()
    Decision.objects.bulk_create(
        [
            Decision(store=store, session=session, referral=r)
            for r in sorted(referrals, key=lambda r: r.pk)
        ]
    )
    audit_record(
        store=store,
        actor=actor,
        action="admissions.session_created",
        target=session,
        changes={"referrals": [None, [r.reference for r in referrals]]},
    )
    return session


def household_data(referral: Referral, budget_cents: int) -> dict[str, Any]:
    """The household file an admitted referral opens."""
    notes = [_("Orientation %(ref)s.") % {"ref": referral.reference}]
    notes.append(_("Motif : %(text)s") % {"text": referral.reason})
    if referral.goal:
        notes.append(_("Objectif : %(text)s") % {"text": referral.goal})
    for item in referral.answers:
        if item.get("answer"):
            notes.append(f"{item['question']} {item['answer']}")
    return {
        "last_name": referral.last_name,
        "first_name": referral.first_name,
        "birth_date": referral.birth_date,
        "phone": referral.phone,
        "email": referral.email,
        "address": referral.address,
        "postal_code": referral.postal_code,
        "commune": referral.commune,
        "adults": referral.adults,
        "children": referral.children,
        "referrer_service": referral.service,
        "referrer_name": referral.referrer_name,
        "referrer_contact": referral.referrer_email or referral.referrer_phone,
        "income_cents": referral.income_cents,
        "charges_cents": referral.charges_cents,
        "notes": "\n".join(notes),
        "monthly_budget_cents": budget_cents,
    }


OUTCOME_ACTIONS = {
    Decision.Outcome.ADMITTED: "admissions.referral_admitted",
    Decision.Outcome.REFUSED: "admissions.referral_refused",
    Decision.Outcome.POSTPONED: "admissions.referral_postponed",
}
OUTCOME_STATUS = {
    Decision.Outcome.ADMITTED: Referral.Status.ADMITTED,
    Decision.Outcome.REFUSED: Referral.Status.REFUSED,
    Decision.Outcome.POSTPONED: Referral.Status.POSTPONED,
}


@transaction.atomic
def referral_decide(
    *,
    decision: Decision,
    actor: User,
    outcome: str,
    months: int | None = None,
    budget_cents: int | None = None,
    start: date | None = None,
    reason: str = "",
) -> Decision:
    """The committee's decision on one referral of its session. Admitted: the household and
    its first rights through the beneficiaries' services. Refused: with a reason. Postponed:
    back in the queue for a next session. The referrer is told by e-mail after the commit,
    with the reference only."""
    decision = (
        Decision.objects.select_for_update()
        .select_related("referral", "session")
        .get(pk=decision.pk)
    )
    referral = Referral.objects.select_for_update().get(pk=decision.referral_id)
    store = referral.store
    if decision.outcome:
        raise ValidationError(_("La commission a déjà décidé pour cette orientation."))
    if referral.status not in (Referral.Status.PENDING, Referral.Status.POSTPONED):
        raise ValidationError(_("Cette orientation n'est plus à examiner."))
    reason = " ".join(reason.split())
    if outcome == Decision.Outcome.ADMITTED:
        if months is None or not MIN_PERIOD_MONTHS <= months <= MAX_PERIOD_MONTHS:
            raise ValidationError(
                {
                    "months": _("Une période de droits dure de %(a)d à %(b)d mois.")
                    % {"a": MIN_PERIOD_MONTHS, "b": MAX_PERIOD_MONTHS}
                }
            )
        if budget_cents is None or budget_cents < 0:
            raise ValidationError({"budget_cents": _("Indiquez le budget mensuel.")})
        start = start or store.today()
        check_rights_start(start, store.today())
        # The notice is handed to the household at its first visit, not at the committee: the
        # household is «notice à faire signer» until then, as an imported one (docs/imports.md).
        household: Household = household_create(
            store=store, actor=actor, data=household_data(referral, budget_cents)
        )
        rights_admit(household=household, actor=actor, start=start, months=months)
        referral.household = household
        decision.months, decision.budget_cents = months, budget_cents
    elif outcome == Decision.Outcome.REFUSED:
        if not reason:
            raise ValidationError({"reason": _("Indiquez le motif du refus.")})
    elif outcome != Decision.Outcome.POSTPONED:
        raise ValidationError({"outcome": _("Choisissez une décision.")})
    decision.outcome = outcome
    decision.reason = reason[:300]
    decision.decided_by = actor
    decision.decided_at = timezone.now()
    decision.save()
    referral.status = OUTCOME_STATUS[Decision.Outcome(outcome)]
    referral.save(update_fields=["status", "household"])
    audit_record(
        store=store,
        actor=actor,
        action=OUTCOME_ACTIONS[Decision.Outcome(outcome)],
        target=referral,
        changes={
            "status": [None, referral.status],
            "months": [None, decision.months],
            "budget_cents": [None, decision.budget_cents],
        },
    )
    to = referral.referrer_email or (referral.link.contact_email if referral.link else "")
    if to:
        transaction.on_commit(
            lambda: _tell_referrer(
                store=store,
                to=to,
                reference=referral.reference,
                outcome=outcome,
                held_on=decision.session.held_on,
            )
        )
    return decision


def _tell_referrer(*, store: Store, to: str, reference: str, outcome: str, held_on: date) -> None:
    """The mail to the social worker: the reference and the outcome, no personal detail."""
    sentence = {
        Decision.Outcome.ADMITTED: _("La commission a admis le foyer."),
        Decision.Outcome.REFUSED: _("La commission n'a pas admis le foyer."),
        Decision.Outcome.POSTPONED: _("La commission a ajourné sa décision."),
    }[Decision.Outcome(outcome)]
    body = _(
        "Bonjour,\n\n"
        "L'orientation %(ref)s adressée à %(shop)s a été examinée par la commission "
        "d'admission du %(day)s.\n%(sentence)s\n\n"
        "Pour en savoir plus, contactez l'épicerie en rappelant cette référence.\n"
    ) % {"ref": reference, "shop": store.name, "day": f"{held_on:%d/%m/%Y}", "sentence": sentence}
    send_mail(
        _("Orientation %(ref)s : décision de la commission") % {"ref": reference},
        body,
        settings.DEFAULT_FROM_EMAIL,
        [to],
        fail_silently=True,
    )


def referrals_anonymise(*, household: Household) -> int:
    """Blank the personal fields of the referrals that opened ``household`` (its
    anonymisation's transaction); how many."""
    referrals = Referral.objects.filter(
        store_id=household.store_id, household=household, anonymised_at__isnull=True
    )
    blank: dict[str, Any] = {}
    for field in Referral.PERSONAL_FIELDS:
        model_field = Referral._meta.get_field(field)
        if field == "answers":
            blank[field] = []
        elif getattr(model_field, "null", False):
            blank[field] = None
        elif field in ("income_cents", "charges_cents"):
            blank[field] = 0
        else:
            blank[field] = ""
    return referrals.update(**blank, anonymised_at=timezone.now())
