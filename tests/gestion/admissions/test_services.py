"""Referrals, partner links, the committee's decisions and the renewals rule, through the
services."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from cabas.gestion.admissions import selectors, services
from cabas.gestion.admissions.models import Decision, Referral
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries import services as beneficiaries
from cabas.gestion.beneficiaries.models import Household
from cabas.rules.admission import next_rights_from
from tests.gestion.admissions.factories import make_link, make_referral, make_session, referral_data


def test_a_link_token_opens_its_link_only_while_valid(world) -> None:
    link = make_link(world.store_a, world.alice, days=10)
    token = services.partner_link_token(link)
    assert services.partner_link_for_token(token) == link
    with pytest.raises(services.LinkInvalidError, match="expiré"):
        services.partner_link_for_token(token, today=link.expires_on + timedelta(days=1))
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(services.LinkInvalidError, match="pas valable"):
        services.partner_link_for_token(forged)
    # The same id with another nonce, well signed: still refused.
    from django.core import signing

    other = signing.Signer(salt=services.LINK_SALT).sign(f"{link.pk}-guess")
    with pytest.raises(services.LinkInvalidError, match="pas valable"):
        services.partner_link_for_token(other)
    services.partner_link_revoke(link=link, actor=world.alice)
    with pytest.raises(services.LinkInvalidError, match="révoqué"):
        services.partner_link_for_token(token)
    assert AuditEvent.objects.filter(action="admissions.link_revoked").count() == 1


def test_a_referral_through_a_link_lands_in_the_links_shop_with_the_shops_questions(
    world,
) -> None:
    services.admission_settings_update(
        store=world.store_b,
        actor=world.charlie,
        data={},
        questions=["Le foyer a-t-il un véhicule ?"],
    )
    link = make_link(world.store_b, world.charlie, service="Département du Rhône")
    referral = services.referral_submit(
        link=link,
        data=referral_data(service="ignored"),
        answers={"Le foyer a-t-il un véhicule ?": "Non"},
    )
    assert referral.store == world.store_b and referral.source == "link"
    assert referral.service == "Département du Rhône"
    assert referral.answers == [{"question": "Le foyer a-t-il un véhicule ?", "answer": "Non"}]
    assert referral.reference.startswith("OR-") and len(referral.reference) == 11
    event = AuditEvent.objects.get(action="admissions.referral_received")
    assert event.target_repr == referral.reference and "Benali" not in str(event.changes)
    assert not selectors.referral_queue(world.store_a).exists()


def test_a_referral_needs_an_adult_and_a_past_birth_date(world) -> None:
    with pytest.raises(ValidationError):
        make_referral(world.store_a, world.alice, adults=0)
    with pytest.raises(ValidationError):
        make_referral(world.store_a, world.alice, birth_date=date(2999, 1, 1))


def test_the_committee_admits_with_household_and_rights_and_mails_the_reference_only(
    world, django_capture_on_commit_callbacks
) -> None:
    referral = make_referral(world.store_a, world.alice)
    session = make_session(world.store_a, world.alice, [referral])
    item = selectors.session_agenda(session)[0]
    assert item.reste_cents == 311 and item.below_threshold  # (1100 − 820,50) / 3 / 30
    assert item.proposed_budget_cents == 3000
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decide(
            decision=item.decision,
            actor=world.alice,
            outcome="admitted",
            months=6,
            budget_cents=3500,
            start=world.store_a.today(),
        )
    referral.refresh_from_db()
    household = Household.objects.get(store=world.store_a)
    assert referral.status == "admitted" and referral.household == household
    assert household.monthly_budget_cents == 3500 and household.adults == 1
    assert household.children == 2 and household.referrer_service == "CCAS de Lyon"
    assert household.rights_start == world.store_a.today()
    assert household.periods.count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sophie.martin@ccas.example.org"]
    assert referral.reference in message.subject and referral.reference in message.body
    for personal in ("Benali", "Nadia", "Lyon", "1100", "Dettes", "3500", "35,00"):
        assert personal not in message.body + message.subject
    with pytest.raises(ValidationError, match="déjà décidé"):
        services.referral_decide(decision=item.decision, actor=world.alice, outcome="refused")


def test_a_refusal_needs_a_reason_and_a_postponed_referral_waits_for_the_next_session(
    world, django_capture_on_commit_callbacks
) -> None:
    referral = make_referral(world.store_a, world.alice, referrer_email="")
    session = make_session(world.store_a, world.alice, [referral])
    decision = session.decisions.get()
    with pytest.raises(ValidationError):
        services.referral_decide(decision=decision, actor=world.alice, outcome="refused")
    with pytest.raises(ValidationError):
        services.referral_decide(decision=decision, actor=world.alice, outcome="maybe")
    with django_capture_on_commit_callbacks(execute=True):
        services.referral_decide(decision=decision, actor=world.alice, outcome="postponed")
    referral.refresh_from_db()
    assert referral.status == "postponed"
    assert list(selectors.referral_queue(world.store_a)) == [referral]
    # No referrer e-mail: the link's service is not known either (paper form): no mail.
    assert mail.outbox == []
    later = make_session(world.store_a, world.alice, [referral], held_on=date(2026, 12, 1))
    services.referral_decide(
        decision=later.decisions.get(), actor=world.alice, outcome="refused", reason="Hors secteur"
    )
    referral.refresh_from_db()
    assert referral.status == "refused" and not Household.objects.exists()
    with pytest.raises(ValidationError, match="plus à examiner"):
        make_session(world.store_a, world.alice, [referral])
    assert Decision.objects.filter(referral=referral).count() == 2


def test_a_session_takes_only_its_shops_waiting_referrals(world) -> None:
    theirs = make_referral(world.store_b, world.charlie)
    with pytest.raises(ValidationError):
        make_session(world.store_a, world.alice, [theirs])
    with pytest.raises(ValidationError):
        make_session(world.store_a, world.alice, [])


def test_renewals_then_the_waiting_period(world) -> None:
    services.admission_settings_update(
        store=world.store_a,
        actor=world.alice,
        data={"renewals_allowed": 1, "waiting_months": 6},
        questions=[],
    )
    today = world.store_a.today()
    household = beneficiaries.household_register(
        store=world.store_a,
        actor=world.alice,
        data={"last_name": "Durand"},
        start=today,
        months=3,
        privacy_accepted=True,
    )
    beneficiaries.rights_renew(household=household, actor=world.alice, months=3, today=today)
    with pytest.raises(ValidationError, match="délai de carence"):
        beneficiaries.rights_renew(household=household, actor=world.alice, months=3, today=today)
    household.refresh_from_db()
    end = household.rights_end
    later = end + timedelta(days=200)
    beneficiaries.rights_renew(household=household, actor=world.alice, months=3, today=later)
    assert household.periods.count() == 3


def test_renewals_are_free_in_a_shop_without_rules_of_admission(world) -> None:
    today = world.store_a.today()
    household = beneficiaries.household_register(
        store=world.store_a,
        actor=world.alice,
        data={"last_name": "Durand"},
        start=today,
        months=1,
        privacy_accepted=True,
    )
    for _n in range(3):
        beneficiaries.rights_renew(household=household, actor=world.alice, months=1, today=today)
    assert household.periods.count() == 4


def test_the_renewals_rule() -> None:
    first = (date(2026, 1, 1), date(2026, 3, 31))
    renewal = (date(2026, 4, 1), date(2026, 6, 30))
    assert next_rights_from([], renewals_allowed=1, waiting_months=6) is None
    assert next_rights_from([first], renewals_allowed=1, waiting_months=6) is None
    assert next_rights_from([first, renewal], renewals_allowed=1, waiting_months=6) == date(
        2026, 12, 31
    )
    assert next_rights_from([first, renewal], renewals_allowed=1, waiting_months=0) == date(
        2026, 7, 2
    )
    assert next_rights_from([first], renewals_allowed=0, waiting_months=1) == date(2026, 5, 1)
    with pytest.raises(ValueError):
        next_rights_from([first], renewals_allowed=-1, waiting_months=0)


def test_the_anonymisation_blanks_the_referrals_of_the_household_and_the_export_has_them(
    world,
) -> None:
    from cabas.gestion.beneficiaries.selectors import household_export

    referral = make_referral(world.store_a, world.alice)
    session = make_session(world.store_a, world.alice, [referral])
    services.referral_decide(
        decision=session.decisions.get(),
        actor=world.alice,
        outcome="admitted",
        months=3,
        budget_cents=3000,
    )
    household = Household.objects.get()
    exported = household_export(household)
    assert exported["referrals"][0]["last_name"] == "Benali"
    assert exported["referrals"][0]["decisions"][0]["outcome"] == "admitted"
    beneficiaries.household_anonymise(household=household)
    referral = Referral.objects.get()
    assert referral.last_name == "" and referral.reason == "" and referral.answers == []
    assert referral.referrer_email == "" and referral.anonymised_at is not None
    assert referral.reference and referral.adults == 1
