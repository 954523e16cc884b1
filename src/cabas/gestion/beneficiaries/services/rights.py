"""Rights: periods admitted, renewed, suspended and resumed, and the rules on their dates."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record
from cabas.gestion.beneficiaries.models import Household, RightsPeriod
from cabas.gestion.beneficiaries.parts import renewal_checks
from cabas.rules.dates import add_months

# The one rule on how long rights last, read by the forms, the import and the services.
MIN_PERIOD_MONTHS = 1
MAX_PERIOD_MONTHS = 12
DEFAULT_PERIOD_MONTHS = 3
# How far from today a person may date the start of rights: a correction of last year's
# file, or an admission planned ahead; 1990 is a typo.
RIGHTS_START_PAST_MONTHS = 12
RIGHTS_START_AHEAD_MONTHS = 6


def period_end_for(start: date, months: int) -> date:
    """The last day of a period of `months` months starting on `start` (3 months from 1 March
    end on 31 May)."""
    return add_months(start, months) - timedelta(days=1)


def _refresh_rights(household: Household) -> None:
    """Copy onto the household the span of rights its latest periods cover without a gap."""
    periods = sorted(household.periods.all(), key=lambda p: (p.start, p.pk))
    if not periods:
        household.rights_start = household.rights_end = None
        household.rights_suspended = False
    else:
        chain = [periods[-1]]
        for period in reversed(periods[:-1]):
            if period.end >= chain[-1].start - timedelta(days=1):
                chain.append(period)
            else:
                break
        household.rights_start = min(p.start for p in chain)
        household.rights_end = max(p.end for p in chain)
        household.rights_suspended = any(p.is_suspended for p in chain)
    household.save(update_fields=["rights_start", "rights_end", "rights_suspended", "updated_at"])


def check_rights_start(start: date, today: date) -> None:
    """Refuse a start of rights far from today (see RIGHTS_START_*_MONTHS)."""
    earliest = add_months(today, -RIGHTS_START_PAST_MONTHS)
    latest = add_months(today, RIGHTS_START_AHEAD_MONTHS)
    if not earliest <= start <= latest:
        raise ValidationError(
            {
                "start": _("Les droits commencent entre le %(a)s et le %(b)s.")
                % {"a": f"{earliest:%d/%m/%Y}", "b": f"{latest:%d/%m/%Y}"}
            }
        )


def check_period_months(months: int) -> None:
    if not MIN_PERIOD_MONTHS <= months <= MAX_PERIOD_MONTHS:
        raise ValidationError(
            {
                "months": _("Une période de droits dure de %(a)d à %(b)d mois.")
                % {"a": MIN_PERIOD_MONTHS, "b": MAX_PERIOD_MONTHS}
            }
        )


def _check_period(household: Household, start: date, end: date) -> None:
    if end < start:
        raise ValidationError({"end": _("La fin des droits ne peut pas précéder leur début.")})
    if end > period_end_for(start, MAX_PERIOD_MONTHS):
        raise ValidationError(
            {"end": _("Une période de droits dure au plus %(n)d mois.") % {"n": MAX_PERIOD_MONTHS}}
        )
    if household.periods.filter(start__lte=end, end__gte=start).exists():
        raise ValidationError(_("Cette période chevauche une période de droits déjà enregistrée."))
    if household.anonymised_at is not None:
        raise ValidationError(_("Ce foyer a été anonymisé."))


@transaction.atomic
def rights_admit(
    *, household: Household, actor: User | None, start: date, months: int
) -> RightsPeriod:
    """Open rights from `start` for `months` months (:func:`period_end_for`). The one rule for
    every way in (the pages, the import, the registration): a start near the shop's today
    (:func:`check_rights_start`) and a duration of MIN..MAX_PERIOD_MONTHS months."""
    check_period_months(months)
    check_rights_start(start, household.store.today())
    # Lock the household: two admissions at once must not both pass the overlap check.
    Household.objects.select_for_update().filter(pk=household.pk).first()
    end = period_end_for(start, months)
    return _period_add(household, actor, start, end, action="household.rights_admitted")


@transaction.atomic
def rights_period_record(
    *, household: Household, actor: User | None, start: date, end: date
) -> RightsPeriod:
    """Record a period of rights as an earlier file holds it (a migration of the shop's old
    records, the history tests set up): any dates, checked only as every period is (in order,
    MAX_PERIOD_MONTHS at most, no overlap). What a person types goes through
    :func:`rights_admit`."""
    Household.objects.select_for_update().filter(pk=household.pk).first()
    return _period_add(household, actor, start, end, action="household.rights_admitted")


def _period_add(
    household: Household, actor: User | None, start: date, end: date, *, action: str
) -> RightsPeriod:
    """A new period of rights, checked against the others; the household row is locked."""
    _check_period(household, start, end)
    period = RightsPeriod.objects.create(
        store_id=household.store_id, household=household, start=start, end=end, created_by=actor
    )
    _refresh_rights(household)
    audit_record(
        store=household.store,
        actor=actor,
        action=action,
        target=household,
        changes={"rights": [None, f"{start.isoformat()} → {end.isoformat()}"]},
    )
    return period


@transaction.atomic
def rights_renew(
    *, household: Household, actor: User | None, months: int, today: date
) -> RightsPeriod:
    """Renew for `months` months: from the day after the current rights end, or from `today`
    when they are already over."""
    check_period_months(months)
    Household.objects.select_for_update().filter(pk=household.pk).first()
    household.refresh_from_db()
    if household.rights_suspended:
        raise ValidationError(_("Les droits sont suspendus : reprenez-les avant de renouveler."))
    if household.rights_end is None or household.rights_end < today:
        start = today
    else:
        start = household.rights_end + timedelta(days=1)
    for check in renewal_checks():
        check(household, start)
    end = period_end_for(start, months)
    return _period_add(household, actor, start, end, action="household.rights_renewed")


@transaction.atomic
def rights_suspend(
    *, household: Household, actor: User | None, reason: str, today: date
) -> Household:
    """Suspend the rights in force and those already granted after them, from `today`."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de la suspension.")})
    periods = household.periods.filter(end__gte=today)
    if household.status_on(today) not in ("active", "upcoming") or not periods.exists():
        raise ValidationError(_("Ce foyer n'a pas de droits en cours à suspendre."))
    periods.update(suspended_at=today, resumed_at=None, suspension_reason=reason.strip())
    _refresh_rights(household)
    audit_record(
        store=household.store,
        actor=actor,
        action="household.rights_suspended",
        target=household,
        changes={"rights_suspended": [False, True]},
        reason=reason.strip(),
    )
    return household


@transaction.atomic
def rights_resume(*, household: Household, actor: User | None, today: date) -> Household:
    """Lift the suspension from `today`."""
    if not household.rights_suspended:
        raise ValidationError(_("Les droits de ce foyer ne sont pas suspendus."))
    household.periods.filter(suspended_at__isnull=False, resumed_at__isnull=True).update(
        resumed_at=today
    )
    _refresh_rights(household)
    audit_record(
        store=household.store,
        actor=actor,
        action="household.rights_resumed",
        target=household,
        changes={"rights_suspended": [True, False]},
    )
    return household
