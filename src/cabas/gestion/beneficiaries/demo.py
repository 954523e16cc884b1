"""Demo households: 56 per demo shop, most with rights in force, some suspended, ending soon,
expired or not yet open; budgets from the scale, spending this month and the two before, a
shop rate of 20 %, a category at 30 %, free FSE+ goods and a quota on oil. Idempotent."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from cabas.gestion.accounts.models import User
from cabas.gestion.beneficiaries import codes
from cabas.gestion.beneficiaries.models import (
    FunderAnswers,
    Household,
    HouseholdMember,
    MonthlySpending,
    Quota,
    RightsPeriod,
)
from cabas.gestion.beneficiaries.selectors import beneficiary_settings
from cabas.gestion.beneficiaries.services import (
    beneficiary_settings_update,
    household_label,
    period_end_for,
)
from cabas.gestion.catalog.models import Category
from cabas.gestion.catalog.services import category_update
from cabas.gestion.stores.demo import register
from cabas.gestion.stores.models import Store
from cabas.rules.budget import month_of

HOUSEHOLDS = 56
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Andre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "Francois",
    "Martinez",
    "Diallo",
    "Benali",
    "Nguyen",
    "Traore",
    "Haddad",
    "Kone",
    "Mendes",
]
FIRST_NAMES = [
    "Marie",
    "Nadia",
    "Fatou",
    "Sophie",
    "Amina",
    "Julie",
    "Karim",
    "Jean",
    "Mohamed",
    "Pierre",
    "Aïcha",
    "Lucie",
    "Yasmine",
    "Paul",
    "Sarah",
    "Moussa",
    "Claire",
    "Ahmed",
    "Léa",
    "Samir",
]
CHILDREN = ["Enzo", "Inès", "Lina", "Adam", "Jade", "Noah", "Zoé", "Rayan", "Lou", "Nael"]
COMMUNES = [
    ("69003", "Lyon"),
    ("69100", "Villeurbanne"),
    ("69500", "Bron"),
    ("69200", "Vénissieux"),
    ("69008", "Lyon"),
]
SERVICES = ["CCAS", "Maison de la Métropole", "Secours populaire", "CAF", "Mission locale"]
WORKERS = ["Mme Perrin", "M. Chevalier", "Mme Blanc", "M. Gauthier"]


def _previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


@register(40, "bénéficiaires, droits, budgets et cartes")
def load_demo_beneficiaries(store: Store, users: dict[str, User]) -> None:
    manager = users.get("responsable")
    with transaction.atomic():
        settings = beneficiary_settings(store)
        if settings.shop_rate_bp != 2000 or "programme:FSE+" not in settings.origin_ceilings_bp:
            beneficiary_settings_update(
                store=store,
                actor=manager,
                data={
                    "shop_rate_bp": 2000,
                    "origin_ceilings_bp": {"programme:FSE+": 0},
                },
            )
        hygiene = Category.objects.filter(
            store=store, parent=None, name__icontains="hygiène"
        ).first()
        if hygiene is not None and hygiene.rate_bp is None:
            category_update(
                category=hygiene,
                actor=manager,
                name=hygiene.name,
                parent=None,
                position=hygiene.position,
                rate_bp=3000,
            )
        oil = Category.objects.filter(store=store, name__icontains="huile").first()
        if oil is not None and not Quota.objects.filter(store=store, category=oil).exists():
            Quota.objects.create(
                store=store, category=oil, label="Huile", base_quantity=2, per_extra_person=1
            )
        if Household.objects.filter(store=store).count() >= HOUSEHOLDS:
            return
        _households(store, manager)


def _households(store: Store, manager: User | None) -> None:
    rng = random.Random(f"cabas-demo-{store.slug}")  # noqa: S311 - demo data, not a secret
    today = store.today()
    month = month_of(timezone.now(), store.timezone)
    months = [month, _previous_month(month), _previous_month(_previous_month(month))]
    scale = beneficiary_settings(store).scale
    used = set(Household.objects.filter(store=store).values_list("code", flat=True))
    now = timezone.now()
    households, plans = [], []
    for index in range(HOUSEHOLDS):
        last, first = rng.choice(LAST_NAMES), rng.choice(FIRST_NAMES)
        adults, children = rng.choice([1, 1, 1, 2, 2]), rng.choice([0, 0, 1, 2, 3])
        postal_code, commune = rng.choice(COMMUNES)
        code = codes.generate()
        while code in used:
            code = codes.generate()
        used.add(code)
        start, months_count, suspended = _rights(index, today, rng)
        end = period_end_for(start, months_count)
        income = rng.randrange(60000, 160000, 500)
        households.append(
            Household(
                store=store,
                code=code,
                label=household_label(last, first),
                last_name=last,
                first_name=first,
                phone=f"06{rng.randrange(10**7, 10**8)}",
                address=f"{rng.randrange(1, 120)} rue des Tilleuls",
                postal_code=postal_code,
                commune=commune,
                adults=adults,
                children=children,
                referrer_service=f"{rng.choice(SERVICES)} de {commune}",
                referrer_name=rng.choice(WORKERS),
                income_cents=income,
                charges_cents=income - rng.randrange(5000, 40000, 100),
                monthly_budget_cents=scale.proposed_budget_cents(adults, children),
                rate_bp=1000 if index % 17 == 5 else None,
                rights_start=start,
                rights_end=end,
                rights_suspended=suspended,
                privacy_accepted_at=now if index % 9 else None,
                privacy_accepted_by=manager if index % 9 else None,
                card_issued_at=now,
            )
        )
        plans.append((start, end, suspended, children))
    Household.objects.bulk_create(households, batch_size=200)
    # Read them back (SQLite and MariaDB do not return the new ids), in the order of the plans.
    saved = {
        h.code: h
        for h in Household.objects.filter(store=store, code__in=[h.code for h in households])
    }
    periods, members, spendings = [], [], []
    for created, (start, end, suspended, children) in zip(households, plans, strict=True):
        household = saved[created.code]
        periods.append(
            RightsPeriod(
                store=store,
                household=household,
                start=start,
                end=end,
                created_by=manager,
                suspended_at=today - timedelta(days=3) if suspended else None,
                suspension_reason="Absences répétées" if suspended else "",
            )
        )
        members.append(
            HouseholdMember(
                store=store, household=household, first_name=household.first_name, is_adult=True
            )
        )
        for _child in range(children):
            members.append(
                HouseholdMember(
                    store=store,
                    household=household,
                    first_name=rng.choice(CHILDREN),
                    is_adult=False,
                    birth_date=date(today.year - rng.randrange(1, 17), rng.randrange(1, 13), 1),
                )
            )
        if household.adults > 1:
            members.append(
                HouseholdMember(
                    store=store,
                    household=household,
                    first_name=rng.choice(FIRST_NAMES),
                    is_adult=True,
                )
            )
        if start <= today:
            for number, spent_month in enumerate(months):
                if spent_month < start.strftime("%Y-%m"):
                    continue
                share = rng.randrange(20, 95) if number else rng.randrange(0, 70)
                spendings.append(
                    MonthlySpending(
                        store=store,
                        household=household,
                        month=spent_month,
                        spent_cents=household.monthly_budget_cents * share // 100,
                    )
                )
    RightsPeriod.objects.bulk_create(periods, batch_size=500)
    HouseholdMember.objects.bulk_create(members, batch_size=500)
    MonthlySpending.objects.bulk_create(spendings, batch_size=500, ignore_conflicts=True)


def _rights(index: int, today: date, rng: random.Random) -> tuple[date, int, bool]:
    """Mostly in force; then ending within three weeks, suspended, expired, not yet open."""
    if index < 42:
        months = rng.choice([3, 6])
        return today - timedelta(days=rng.randrange(0, 80)), months, False
    if index < 46:
        return period_start_ending(today + timedelta(days=rng.randrange(1, 21)), 3), 3, False
    if index < 50:
        return today - timedelta(days=rng.randrange(10, 60)), 6, True
    if index < 54:
        return today - timedelta(days=rng.randrange(200, 400)), 3, False
    return today + timedelta(days=rng.randrange(3, 15)), 3, False


def period_start_ending(end: date, months: int) -> date:
    """The start of a `months`-month period that ends on `end`."""
    start = end
    while period_end_for(start, months) > end:
        start -= timedelta(days=1)
    return start


@register(41, "bénéficiaires : âges des adultes et réponses facultatives des financeurs")
def load_demo_funder_categories(store: Store, users: dict[str, User]) -> None:
    """Birth dates for the demo adults (some over 65) and, for one household in three, the
    optional answers given with consent: the activity report's funders' categories have
    something to count, the others stay « non renseigné »."""
    if FunderAnswers.objects.filter(store=store).exists():
        return
    today = timezone.localdate()
    adults = list(
        HouseholdMember.objects.filter(store=store, is_adult=True, birth_date__isnull=True)
    )
    for member in adults:
        age = 19 + (member.pk * 7) % 60  # 19 … 78
        member.birth_date = date(today.year - age, 1 + member.pk % 12, 1 + member.pk % 28)
    HouseholdMember.objects.bulk_update(adults, ["birth_date"], batch_size=500)
    answers = []
    for n, household in enumerate(Household.objects.filter(store=store).order_by("pk")):
        if n % 3:
            continue
        answers.append(
            FunderAnswers(
                store=store,
                household=household,
                consent=True,
                consent_at=timezone.now(),
                women=min(1 + n % 2, household.adults + household.children),
                disabled=1 if n % 9 == 0 else 0,
                migrants=household.adults if n % 5 == 0 else 0,
                homeless=n % 15 == 0,
            )
        )
    FunderAnswers.objects.bulk_create(answers, batch_size=500)
