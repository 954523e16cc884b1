from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cabas.gestion.beneficiaries import selectors, services
from cabas.gestion.catalog.services import category_create, product_create
from cabas.rules.budget import month_bounds, month_of
from cabas.rules.pricing import Tariff, line_price
from cabas.rules.quotas import QuotaLine, check_quotas, quota_limit
from tests.gestion.beneficiaries.factories import make_household


def catalogue(store):
    grocery = category_create(store=store, name="Épicerie")
    oils = category_create(store=store, name="Huiles", parent=grocery, rate_bp=3000)
    oil = product_create(
        store=store, actor=None, name="Huile de tournesol", category=oils, price_cents=250
    )
    coffee = product_create(
        store=store, actor=None, name="Café", category=grocery, price_cents=400, rate_bp=5000
    )
    rice = product_create(
        store=store,
        actor=None,
        name="Riz FSE+",
        category=grocery,
        price_cents=180,
        origin="programme",
        programme="FSE+",
    )
    return grocery, oils, oil, coffee, rice


def test_the_tariff_of_a_shop_gathers_every_rate_and_ceiling(world) -> None:
    grocery, oils, oil, coffee, rice = catalogue(world.store_a)
    services.beneficiary_settings_update(
        store=world.store_a,
        actor=world.alice,
        data={
            "shop_rate_bp": 2000,
            "origin_ceilings_bp": {"programme:FSE+": 0},
        },
    )
    tariff = selectors.tariff_for_store(world.store_a)
    assert tariff == Tariff.from_dict(tariff.to_dict())
    assert tariff.shop_rate_bp == 2000
    assert tariff.category_rates_bp == {str(oils.pk): 3000}
    assert tariff.product_rates_bp == {str(coffee.pk): 5000}
    # Oil: its category's rate; coffee: its own; rice: free by its programme's ceiling.
    assert tariff.rate_for(oil.pk, [oils.pk, grocery.pk], oil.tariff_origin, None).rate_bp == 3000
    assert tariff.rate_for(coffee.pk, [grocery.pk], "purchase", None).rate_bp == 5000
    decision = tariff.rate_for(rice.pk, [grocery.pk], rice.tariff_origin, None)
    assert (decision.rate_bp, decision.source) == (0, "ceiling")
    # A household's own rate wins, under the ceiling; no card: the full price.
    assert tariff.rate_for(oil.pk, [oils.pk], "purchase", 1000).rate_bp == 1000
    assert tariff.rate_for(oil.pk, [oils.pk], "purchase", None, with_card=False).rate_bp == 10000
    assert line_price(250, 2, "piece", 3000).total_cents == 150
    assert selectors.tariff_for_store(world.store_b).category_rates_bp == {}


def test_a_bad_rate_or_ceiling_is_refused_in_french(world, client) -> None:
    with pytest.raises(ValidationError):
        services.beneficiary_settings_update(
            store=world.store_a, actor=world.alice, data={"origin_ceilings_bp": {"donation": 20000}}
        )
    client.force_login(world.alice)
    response = client.post(
        reverse("beneficiaries:settings"),
        {
            "shop_rate_bp": "150",
            "scale_one": "20",
            "scale_two": "30",
            "per_extra_adult_cents": "10",
            "per_child_cents": "5",
            "new_programme_0": "FSE+",
            "new_ceiling_0": "beaucoup",
            "reste_a_vivre_threshold_cents": "8",
            "anonymisation_months": "24",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "inférieure ou égale à 100" in html
    assert "Saisissez un nombre" in html


def test_the_settings_page_saves_scale_rate_and_ceilings(world, client) -> None:
    client.force_login(world.alice)
    response = client.post(
        reverse("beneficiaries:settings"),
        {
            "shop_rate_bp": "12,5",
            "scale_one": "25",
            "scale_two": "35",
            "per_extra_adult_cents": "10",
            "per_child_cents": "7,50",
            "new_programme_0": "FSE+",
            "new_ceiling_0": "0",
            "ceiling_0": "10",
            "reste_a_vivre_threshold_cents": "9",
            "anonymisation_months": "18",
            "privacy_notice": "",
        },
    )
    assert response.status_code == 302
    found = selectors.beneficiary_settings(world.store_a)
    assert found.shop_rate_bp == 1250
    assert found.origin_ceilings_bp == {"programme:FSE+": 0, "donation": 1000}
    assert found.scale.proposed_budget_cents(2, 2) == 3500 + 1500
    assert found.anonymisation_months == 18


def test_quotas_come_back_as_rules_scaled_by_household_size(world) -> None:
    grocery, oils, oil, coffee, rice = catalogue(world.store_a)
    services.quota_save(
        store=world.store_a,
        actor=world.alice,
        data={
            "category": oils,
            "label": "Huile",
            "base_quantity": 2,
            "per_extra_person": 1,
        },
    )
    services.quota_save(
        store=world.store_a,
        actor=world.alice,
        data={
            "product": coffee,
            "label": "Café",
            "base_quantity": 1,
            "limits_by_size": {"4": 3},
        },
    )
    rules = selectors.quotas_for_store(world.store_a)
    assert [r.label for r in rules] == ["Café", "Huile"]
    huile = rules[1]
    assert (huile.scope, huile.target_id) == ("category", str(oils.pk))
    assert quota_limit(huile, 3) == 4
    assert quota_limit(rules[0], 5) == 3
    exceeded = check_quotas(
        rules,
        {},
        [QuotaLine(str(oil.pk), [str(oils.pk), str(grocery.pk)], quantity=3)],
        household_size=1,
    )
    assert [e.quota.label for e in exceeded] == ["Huile"]
    assert selectors.quotas_for_store(world.store_b) == []


def test_a_quota_names_one_product_or_one_category_of_its_shop(world) -> None:
    grocery, oils, oil, coffee, rice = catalogue(world.store_a)
    with pytest.raises(ValidationError):
        services.quota_save(
            store=world.store_a, actor=world.alice, data={"label": "x", "base_quantity": 1}
        )
    other = category_create(store=world.store_b, name="Autre")
    with pytest.raises(ValidationError):
        services.quota_save(
            store=world.store_a,
            actor=world.alice,
            data={"category": other, "label": "x", "base_quantity": 1},
        )


def test_the_budget_is_proposed_from_the_shop_scale_by_household_size(world) -> None:
    assert make_household(world.store_a, adults=1).monthly_budget_cents == 2000
    assert make_household(world.store_a, adults=2, children=2).monthly_budget_cents == 4000
    assert make_household(world.store_a, adults=3).monthly_budget_cents == 4000
    assert make_household(world.store_a, monthly_budget_cents=1234).monthly_budget_cents == 1234


@pytest.mark.parametrize(
    ("instant", "zone", "month"),
    [
        # 23:30 UTC on 31 March is already April in Paris (UTC+2, summer time).
        (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "Europe/Paris", "2026-04"),
        (datetime(2026, 3, 31, 21, 59, tzinfo=UTC), "Europe/Paris", "2026-03"),
        # New Year in Paris (UTC+1) comes an hour before it does in UTC.
        (datetime(2025, 12, 31, 23, 0, tzinfo=UTC), "Europe/Paris", "2026-01"),
        # In Réunion (UTC+4) and Guadeloupe (UTC−4) the month turns at other instants.
        (datetime(2026, 4, 30, 20, 0, tzinfo=UTC), "Indian/Reunion", "2026-05"),
        (datetime(2026, 5, 1, 3, 59, tzinfo=UTC), "America/Guadeloupe", "2026-04"),
        (datetime(2026, 5, 1, 4, 0, tzinfo=UTC), "America/Guadeloupe", "2026-05"),
    ],
)
def test_the_budget_month_follows_the_shop_time_zone(instant, zone, month) -> None:
    assert month_of(instant, zone) == month
    start, end = month_bounds(month, zone)
    assert start <= instant < end


def test_a_shop_today_and_month_are_in_its_own_time_zone(world, monkeypatch) -> None:
    from django.utils import timezone

    world.store_b.timezone = "America/Guadeloupe"
    world.store_b.save(update_fields=["timezone"])
    moment = datetime(2026, 5, 1, 2, 0, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    assert selectors.current_month(world.store_a) == "2026-05"
    assert selectors.current_month(world.store_b) == "2026-04"
    assert str(world.store_b.today()) == "2026-04-30"


def test_the_settings_page_shows_the_rates_as_typed(world, client) -> None:
    from cabas.gestion.beneficiaries.forms import percent_text

    assert [percent_text(v) for v in (2000, 1250, 1205, 0, 10000)] == [
        "20",
        "12,5",
        "12,05",
        "0",
        "100",
    ]
    services.beneficiary_settings_update(
        store=world.store_a,
        actor=world.alice,
        data={
            "shop_rate_bp": 2000,
            "origin_ceilings_bp": {"programme:FSE+": 0, "donation": 1000},
        },
    )
    client.force_login(world.alice)
    html = client.get(reverse("beneficiaries:settings")).content.decode()
    assert 'value="20"' in html
    assert "Plafond des produits donnés" in html and 'name="ceiling_0" value="10"' in html
    assert "Plafond du programme FSE+" in html and 'name="ceiling_2" value="0"' in html
