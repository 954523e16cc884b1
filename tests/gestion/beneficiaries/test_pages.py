from __future__ import annotations

import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cabas.gestion.beneficiaries import selectors, services
from cabas.gestion.beneficiaries.models import Household, HouseholdAccessLog
from tests.gestion.beneficiaries.factories import make_household

SECRET_NOTE = "Suivi addiction confidentiel"


def private_household(world) -> Household:
    today = world.store_a.today()
    return make_household(
        world.store_a,
        world.alice,
        last_name="Durand",
        first_name="Léa",
        income_cents=123456,
        charges_cents=65432,
        notes=SECRET_NOTE,
        referrer_name="Mme Assistante",
        commune="Lyon",
        admit=(today - timedelta(days=10), today + timedelta(days=80)),
    )


def test_a_cashier_finds_a_household_by_code_and_sees_only_label_status_and_budget(
    world, client
) -> None:
    household = private_household(world)
    services.spending_add(
        store=world.store_a,
        household=household,
        month=selectors.current_month(world.store_a),
        amount_cents=750,
    )
    client.force_login(world.bob)
    for query in (household.code, "durand"):
        html = client.get(reverse("beneficiaries:list"), {"q": query}).content.decode()
        assert "DURAND L." in html
        assert "actif" in html
        left = household.monthly_budget_cents - 750
        assert f"{left // 100},{left % 100:02d}" in html
        for secret in (
            SECRET_NOTE,
            "1\u202f234,56",
            "1234,56",
            "654,32",
            "Mme Assistante",
            "Léa",
            "Lyon",
        ):
            assert secret not in html, secret
    assert not HouseholdAccessLog.objects.exists()


def test_no_page_of_a_household_file_opens_to_a_cashier(world, client) -> None:
    household = private_household(world)
    client.force_login(world.bob)
    for name in ("detail", "edit", "export", "members", "budget", "privacy"):
        response = client.get(reverse(f"beneficiaries:{name}", args=[household.pk]))
        assert response.status_code == 403
        assert SECRET_NOTE not in response.content.decode()


def test_a_manager_sees_the_whole_file_and_the_access_is_logged(world, client) -> None:
    household = private_household(world)
    client.force_login(world.alice)
    html = client.get(reverse("beneficiaries:detail", args=[household.pk])).content.decode()
    assert SECRET_NOTE in html
    assert "Mme Assistante" in html
    log = HouseholdAccessLog.objects.get()
    assert (log.user, log.household, log.action) == (world.alice, household, "view")
    # The file shows who opened it.
    html = client.get(reverse("beneficiaries:detail", args=[household.pk])).content.decode()
    assert "consultation" in html and str(world.alice) in html


def test_the_reste_a_vivre_is_shown_against_the_shop_threshold(world, client) -> None:
    household = private_household(world)  # (1234,56 - 654,32) / 1 / 30 = 19,34
    client.force_login(world.alice)
    html = client.get(reverse("beneficiaries:detail", args=[household.pk])).content.decode()
    assert "19,34" in html
    assert "au-dessus du seuil de 10,00" in html


def test_the_export_holds_the_household_data_and_is_logged(world, client) -> None:
    household = private_household(world)
    client.force_login(world.alice)
    response = client.get(reverse("beneficiaries:export", args=[household.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["household"]["notes"] == SECRET_NOTE
    assert data["household"]["income_cents"] == 123456
    assert data["rights_periods"]
    assert HouseholdAccessLog.objects.get().action == "export"


def test_a_manager_registers_a_household_with_its_rights_and_the_notice(world, client) -> None:
    client.force_login(world.alice)
    response = client.post(
        reverse("beneficiaries:create"),
        {
            "last_name": "Nguyen",
            "first_name": "Anh",
            "adults": "2",
            "children": "1",
            "start": timezone.localdate().replace(day=1).isoformat(),
            "months": "6",
            "monthly_budget_cents": "",
            "income_cents": "1500,00",
            "charges_cents": "900",
            "rate_bp": "",
            "privacy_accepted": "on",
        },
    )
    household = Household.objects.get(last_name="Nguyen")
    assert response.status_code == 302
    assert household.label == "NGUYEN A."
    assert household.monthly_budget_cents == 3500  # 30 € for two adults + 5 € per child
    assert household.income_cents == 150000
    start = timezone.localdate().replace(day=1)
    assert (household.rights_start, household.rights_end) == (
        start,
        services.period_end_for(start, 6),
    )
    assert household.privacy_accepted_by == world.alice


def test_a_form_error_is_a_french_message_not_a_crash(world, client) -> None:
    client.force_login(world.alice)
    response = client.post(
        reverse("beneficiaries:create"),
        {
            "last_name": "",
            "adults": "0",
            "children": "1",
            "start": "pas une date",
            "months": "3",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce champ est obligatoire" in html
    assert "Saisissez une date valide" in html


def test_a_budget_change_is_audited_with_its_reason(world, client) -> None:
    from cabas.gestion.audit.models import AuditEvent

    household = private_household(world)
    client.force_login(world.alice)
    client.post(
        reverse("beneficiaries:budget", args=[household.pk]),
        {"monthly_budget_cents": "45,50", "reason": "Naissance"},
    )
    household.refresh_from_db()
    assert household.monthly_budget_cents == 4550
    event = AuditEvent.objects.get(action="household.budget_changed")
    assert event.reason == "Naissance"


def test_personal_values_never_reach_the_audit_trail(world) -> None:
    from cabas.gestion.audit.models import AuditEvent

    household = private_household(world)
    services.household_update(
        household=household, actor=world.alice, data={"notes": "Autre secret", "income_cents": 99}
    )
    event = AuditEvent.objects.get(action="household.updated")
    assert "Autre secret" not in json.dumps(event.changes)
    assert set(event.changes) == {"notes", "income_cents"}


def test_the_manager_list_filters_by_status_within_a_query_cap(
    world, client, django_assert_max_num_queries
) -> None:
    today = world.store_a.today()
    for index in range(12):
        make_household(
            world.store_a,
            last_name=f"Actif{index}",
            admit=(today - timedelta(days=5), today + timedelta(days=60)),
        )
    make_household(
        world.store_a,
        last_name="Ancien",
        admit=(today - timedelta(days=200), today - timedelta(days=20)),
    )
    make_household(
        world.store_b,
        last_name="Voisin",
        admit=(today - timedelta(days=5), today + timedelta(days=60)),
    )
    client.force_login(world.alice)
    with django_assert_max_num_queries(12):
        html = client.get(reverse("beneficiaries:list")).content.decode()
    assert "ACTIF11" in html and "ANCIEN" not in html and "VOISIN" not in html
    html = client.get(reverse("beneficiaries:list"), {"status": "expired"}).content.decode()
    assert "ANCIEN" in html and "ACTIF1 " not in html


def test_the_ending_page_lists_rights_ending_within_the_days_asked(world, client) -> None:
    today = world.store_a.today()
    make_household(
        world.store_a,
        last_name="Bientot",
        admit=(today - timedelta(days=60), today + timedelta(days=5)),
    )
    make_household(
        world.store_a,
        last_name="Tard",
        admit=(today - timedelta(days=10), today + timedelta(days=90)),
    )
    client.force_login(world.alice)
    html = client.get(reverse("beneficiaries:ending"), {"days": "15"}).content.decode()
    assert "BIENTOT" in html and "TARD" not in html


def test_an_object_of_another_shop_is_a_404(world, client) -> None:
    household = private_household(world)
    client.force_login(world.charlie)
    assert client.get(reverse("beneficiaries:detail", args=[household.pk])).status_code == 404
    assert (
        client.get(reverse("beneficiaries:list"), {"q": "durand"}).content.decode().count("DURAND")
        == 0
    )


def test_rights_actions_from_the_file(world, client) -> None:
    household = private_household(world)
    client.force_login(world.alice)
    client.post(reverse("beneficiaries:suspend", args=[household.pk]), {"reason": "Absent"})
    household.refresh_from_db()
    assert household.status_on(world.store_a.today()) == "suspended"
    client.post(reverse("beneficiaries:resume", args=[household.pk]))
    household.refresh_from_db()
    assert household.status_on(world.store_a.today()) == "active"
    end = household.rights_end
    client.post(reverse("beneficiaries:renew", args=[household.pk]), {"months": "3"})
    household.refresh_from_db()
    assert household.rights_end > end


def test_the_edit_page_shows_amounts_in_euros_and_saves_changes(world, client) -> None:
    household = private_household(world)
    client.force_login(world.alice)
    url = reverse("beneficiaries:edit", args=[household.pk])
    html = client.get(url).content.decode()
    assert 'value="1234,56"' in html
    response = client.post(
        url,
        {
            "last_name": "Durand-Petit",
            "first_name": "Léa",
            "adults": "2",
            "children": "0",
            "income_cents": "1300",
            "charges_cents": "654,32",
            "rate_bp": "12,5",
            "notes": "",
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.label, household.income_cents, household.rate_bp, household.adults) == (
        "DURAND-PETIT L.",
        130000,
        1250,
        2,
    )


def test_the_members_page_sets_the_composition(world, client) -> None:
    household = private_household(world)
    client.force_login(world.alice)
    url = reverse("beneficiaries:members", args=[household.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "m-TOTAL_FORMS": "3",
            "m-INITIAL_FORMS": "0",
            "m-MIN_NUM_FORMS": "0",
            "m-MAX_NUM_FORMS": "20",
            "m-0-first_name": "Léa",
            "m-0-is_adult": "on",
            "m-1-first_name": "Tom",
            "m-1-birth_date": "2018-04-02",
            "m-2-first_name": "",
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert (household.adults, household.children) == (1, 1)
    html = client.get(reverse("beneficiaries:detail", args=[household.pk])).content.decode()
    assert "Tom" in html and "ans)" in html


def test_opening_the_edit_form_is_logged_like_the_file(world, client) -> None:
    household = private_household(world)
    client.force_login(world.alice)
    client.get(reverse("beneficiaries:edit", args=[household.pk]))
    assert HouseholdAccessLog.objects.get().action == "edit"


def test_the_cashier_lookup_and_the_ending_page_keep_their_queries_capped(
    world, client, django_assert_max_num_queries
) -> None:
    today = world.store_a.today()
    for index in range(15):
        make_household(
            world.store_a,
            last_name=f"Fin{index}",
            admit=(today - timedelta(days=60), today + timedelta(days=10)),
        )
    client.force_login(world.bob)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("beneficiaries:list"), {"q": "fin"}).content.decode()
    assert html.count("actif") >= 15
    client.force_login(world.alice)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("beneficiaries:ending")).content.decode()
    assert "FIN14" in html


def test_a_manager_adds_a_quota_on_a_category(world, client) -> None:
    from cabas.gestion.beneficiaries.models import Quota
    from cabas.gestion.catalog.services import category_create

    oils = category_create(store=world.store_a, name="Huiles")
    client.force_login(world.alice)
    response = client.post(
        reverse("beneficiaries:quota_add"),
        {
            "label": "Huile",
            "category": str(oils.pk),
            "unit": "piece",
            "base_quantity": "2",
            "per_extra_person": "1",
            "size_4": "4",
            "active": "on",
        },
    )
    assert response.status_code == 302
    quota = Quota.objects.get()
    assert (quota.category, quota.limits_by_size) == (oils, {"4": 4})
    html = client.get(reverse("beneficiaries:quotas")).content.decode()
    assert "Huile" in html
    response = client.post(
        reverse("beneficiaries:quota_add"),
        {
            "label": "Rien",
            "unit": "piece",
            "base_quantity": "2",
            "per_extra_person": "0",
        },
    )
    assert "Choisissez un produit ou un rayon" in response.content.decode()


def test_the_file_names_the_budget_month_in_words(world, client) -> None:
    household = private_household(world)
    client.force_login(world.alice)
    html = client.get(reverse("beneficiaries:detail", args=[household.pk])).content.decode()
    year, month = selectors.current_month(world.store_a).split("-")
    months = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    assert f"Budget {months.split()[int(month) - 1]} {year}" in html
