from __future__ import annotations

from datetime import date, timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from cabas.gestion import imports
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries import selectors, services
from cabas.gestion.beneficiaries.imports import HouseholdImporter
from cabas.gestion.beneficiaries.models import (
    Household,
    HouseholdAccessLog,
    HouseholdMember,
    MonthlySpending,
)
from cabas.gestion.core.models import PendingImport
from tests.gestion.beneficiaries.factories import make_household


def old_household(world, **data):
    today = world.store_a.today()
    end = today - timedelta(days=25 * 31)
    household = make_household(
        world.store_a,
        world.alice,
        last_name="Ancien",
        first_name="Paul",
        commune="Bron",
        phone="0600000000",
        notes="Note privée",
        income_cents=90000,
        charges_cents=50000,
        referrer_service="CCAS de Bron",
        referrer_name="M. Travailleur",
        admit=(end - timedelta(days=90), end),
        **data,
    )
    services.household_members_set(
        household=household,
        actor=world.alice,
        members=[
            {"first_name": "Paul", "is_adult": True, "birth_date": date(1980, 5, 1)},
            {"first_name": "Zoé", "is_adult": False, "birth_date": date(2015, 2, 3)},
        ],
    )
    services.spending_add(
        store=world.store_a, household=household, month="2024-01", amount_cents=2500
    )
    services.household_access_log(household=household, user=world.alice)
    return household


def statistics(store):
    rows = Household.objects.filter(store=store).values_list(
        "adults", "children", "commune", "rights_end"
    )
    spending = MonthlySpending.objects.filter(store=store).values_list("month", "spent_cents")
    return sorted(rows), sorted(spending)


def test_the_purge_anonymises_old_households_and_keeps_the_statistics(world) -> None:
    today = world.store_a.today()
    old = old_household(world)
    recent = make_household(
        world.store_a,
        last_name="Récent",
        admit=(today - timedelta(days=400), today - timedelta(days=300)),
    )
    before = statistics(world.store_a)
    out = StringIO()
    call_command("purge_beneficiaries", stdout=out)
    assert "1 foyer(s) anonymisés" in out.getvalue()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert statistics(world.store_a) == before
    assert old.anonymised_at is not None
    for field in ("last_name", "first_name", "phone", "notes", "referrer_name"):
        assert getattr(old, field) == ""
    assert old.income_cents is None and old.charges_cents is None
    assert old.label == services.ANONYMOUS_LABEL
    assert (old.adults, old.children, old.commune) == (1, 1, "Bron")
    assert not HouseholdMember.objects.filter(household=old).exists()
    assert not HouseholdAccessLog.objects.filter(household=old).exists()
    assert selectors.household_for_code(world.store_a, old.code) is None
    assert not AuditEvent.objects.filter(target_repr__icontains="ANCIEN").exists()
    assert recent.anonymised_at is None and recent.last_name == "Récent"


def test_the_old_card_code_of_an_anonymised_household_is_retired(world) -> None:
    old = old_household(world)
    code = old.code
    call_command("purge_beneficiaries", stdout=StringIO())
    assert selectors.household_for_code(world.store_a, code) is None
    assert code in selectors.codes_retired_since(world.store_a, old.created_at)


def test_the_purge_is_idempotent_and_the_dry_run_changes_nothing(world) -> None:
    old = old_household(world)
    out = StringIO()
    call_command("purge_beneficiaries", "--dry-run", stdout=out)
    assert "1 foyer(s) seraient anonymisés" in out.getvalue()
    old.refresh_from_db()
    assert old.anonymised_at is None
    call_command("purge_beneficiaries", stdout=StringIO())
    old.refresh_from_db()
    first = old.anonymised_at
    out = StringIO()
    call_command("purge_beneficiaries", stdout=out)
    assert "0 foyer(s) anonymisés" in out.getvalue()
    old.refresh_from_db()
    assert old.anonymised_at == first


def test_the_delay_is_the_shops(world) -> None:
    old_household(world)
    services.beneficiary_settings_update(
        store=world.store_a, actor=world.alice, data={"anonymisation_months": 36}
    )
    out = StringIO()
    call_command("purge_beneficiaries", "--dry-run", stdout=out)
    assert "0 foyer(s) seraient anonymisés" in out.getvalue()


def test_the_notice_acceptance_is_recorded_with_who_and_when(world) -> None:
    household = make_household(world.store_a)
    services.household_privacy_accept(household=household, actor=world.alice)
    household.refresh_from_db()
    assert household.privacy_accepted_by == world.alice
    assert household.privacy_accepted_at is not None
    notice = selectors.beneficiary_settings(world.store_a).notice_text
    assert "24 mois" in notice


def test_a_manager_anonymises_a_household_on_request_once_its_rights_are_over(
    world, client
) -> None:
    from django.urls import reverse

    today = world.store_a.today()
    current = make_household(
        world.store_a,
        last_name="Encours",
        admit=(today - timedelta(days=5), today + timedelta(days=60)),
    )
    over = make_household(
        world.store_a,
        last_name="Fini",
        admit=(today - timedelta(days=100), today - timedelta(days=5)),
    )
    client.force_login(world.alice)
    client.post(reverse("beneficiaries:erase", args=[current.pk]), {"confirm": "ANONYMISER"})
    client.post(reverse("beneficiaries:erase", args=[over.pk]), {"confirm": "oui"})
    current.refresh_from_db()
    over.refresh_from_db()
    assert current.anonymised_at is None and over.anonymised_at is None
    client.post(reverse("beneficiaries:erase", args=[over.pk]), {"confirm": "ANONYMISER"})
    over.refresh_from_db()
    assert over.anonymised_at is not None and over.last_name == ""
    assert AuditEvent.objects.get(action="household.anonymised").actor == world.alice
    assert client.get(reverse("beneficiaries:detail", args=[over.pk])).status_code == 404


def test_the_purge_drops_the_household_files_imports_no_longer_need(world) -> None:
    importer = HouseholdImporter(store=world.store_a, actor=world.alice)
    content = "Nom;Prénom;Téléphone;Ressources;Notes\nMartin;Jules;0600000000;850;suivi\n".encode()
    waiting = imports.pending_import_create(importer=importer, filename="f.csv", content=content)
    applied = imports.pending_import_create(importer=importer, filename="g.csv", content=content)
    PendingImport.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    PendingImport.objects.filter(pk=applied.pk).update(status=PendingImport.Status.APPLIED)

    out = StringIO()
    call_command("purge_beneficiaries", "--dry-run", stdout=out)
    assert "2 fichier(s) d'import seraient effacés" in out.getvalue()
    assert PendingImport.objects.count() == 2

    out = StringIO()
    call_command("purge_beneficiaries", stdout=out)
    assert "epicerie-a : 2 fichier(s) d'import effacé(s)" in out.getvalue()
    assert list(PendingImport.objects.values_list("filename", "rows")) == [("g.csv", [])]
    out = StringIO()
    call_command("purge_beneficiaries", stdout=out)
    assert "0 fichier(s) d'import effacés" in out.getvalue()
