"""The statistics builder: definitions validated, figures, chart, saving and sharing."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from cabas.gestion.reports.models import SavedStatistic
from cabas.gestion.reports.statistics import StatisticDefinition, parse_definition, run_statistic
from tests.gestion.reports.sales_data import SalesWorld, make_sales_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def sw(world) -> SalesWorld:
    return make_sales_world(world)


def custom(**extra: object) -> StatisticDefinition:
    return parse_definition(
        {"period": "custom", "date_from": "2026-01-01", "date_to": "2026-02-28", **extra}
    )


def test_a_definition_with_three_dimensions_or_unknown_keys_is_refused():
    with pytest.raises(ValueError, match="Définition de statistique invalide"):
        parse_definition({"dimensions": ["month", "week", "till"]})
    with pytest.raises(ValueError):
        parse_definition({"measure": "profit"})
    with pytest.raises(ValueError):
        parse_definition({"dimensions": ["month", "month"]})
    with pytest.raises(ValueError, match="date de fin"):
        parse_definition({"period": "custom", "date_from": "2026-02-01", "date_to": "2026-01-01"})


def test_households_by_month_and_size_with_a_bar_chart(sw):
    result = run_statistic(
        sw.store, custom(measure="households", dimensions=["month", "household_size"])
    )
    # The ticket without a card is a group of no household; NULLs sort first or last
    # depending on the database, hence the set.
    assert {(r[0], r[1], r[2]) for r in result.table.rows} == {
        ("01/2026", "Sans carte", 0),
        ("01/2026", "1 personne(s)", 1),
        ("01/2026", "3 personne(s)", 1),
        ("02/2026", "1 personne(s)", 1),
        ("02/2026", "3 personne(s)", 1),
    }
    assert result.table.totals == ["Total", "", 2]
    svg = result.chart_svg
    assert svg.startswith("<svg") and "1 personne(s)" in svg and "02/2026" in svg
    # A count axis has whole ticks only: 0 and 1 here, not 0, 0.2, … shown as "0, 0, 1, 1".
    import re

    ticks = re.findall(r'text-anchor="end" fill="#424242">([^<]*)</text>', svg)
    axis = [t for t in ticks if t.strip().isdigit()]
    assert axis == sorted(set(axis), key=int), axis


def test_filters_restrict_to_a_rayon_and_to_households(sw):
    result = run_statistic(
        sw.store,
        custom(
            measure="paid",
            dimensions=["commune"],
            filters={"category_ids": [sw.c.fruits.pk], "customer": "beneficiaries"},
            chart="line",
        ),
    )
    assert result.table.rows == [["Lyon", 90]]
    assert "<polyline" in result.chart_svg


def test_a_relative_period_stays_relative(sw):
    definition = parse_definition({"period": "last_month"})
    period = definition.resolve_period(sw.store)
    assert period.first.day == 1 and period.last < date.today().replace(day=1)


def test_a_manager_builds_saves_and_shares_a_statistic(client, world, sw):
    client.force_login(world.alice)
    params = {
        "measure": "full",
        "dimension1": "rayon",
        "dimension2": "",
        "period": "custom",
        "date_from": "2026-01-01",
        "date_to": "2026-01-31",
        "customer": "all",
        "chart": "bar",
    }
    page = client.get(reverse("reports:statistics"), params).content.decode()
    assert "<svg" in page and "Fruits et légumes" in page
    assert "<script" not in page.split("</head>")[1]
    saved = client.post(reverse("reports:statistic_save"), {**params, "name": "Valeur par rayon"})
    statistic = SavedStatistic.objects.get(store=world.store_a, name="Valeur par rayon")
    assert saved["Location"] == reverse("reports:statistic_detail", args=[statistic.pk])
    assert statistic.definition["dimensions"] == ["rayon"]
    # Another manager of the shop sees it; the other shop does not.
    from cabas.gestion.stores.permissions import Role
    from cabas.gestion.stores.services import person_add

    other_manager = person_add(
        store=world.store_a,
        actor=None,
        username="eve",
        role=Role.MANAGER,
        first_name="Eve",
        email="eve@example.org",
        password="correct-horse-battery-42",
    ).user
    client.force_login(other_manager)
    shown = client.get(reverse("reports:statistic_detail", args=[statistic.pk])).content.decode()
    assert "Valeur par rayon" in shown and "<svg" in shown
    exported = client.get(
        reverse("reports:statistic_detail", args=[statistic.pk]), {"format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert ["Fruits et légumes", "4,50"] in rows
    client.force_login(world.charlie)
    assert client.get(reverse("reports:statistic_detail", args=[statistic.pk])).status_code == 404


def test_a_second_statistic_with_the_same_name_is_refused_in_french(client, world, sw):
    client.force_login(world.alice)
    params = {
        "measure": "paid",
        "dimension1": "month",
        "period": "this_month",
        "customer": "all",
        "chart": "bar",
        "name": "Doublon",
    }
    client.post(reverse("reports:statistic_save"), params)
    response = client.post(reverse("reports:statistic_save"), params, follow=True)
    assert "Une statistique porte déjà ce nom." in response.content.decode()
    assert SavedStatistic.objects.filter(store=world.store_a, name="Doublon").count() == 1


def test_the_builder_page_runs_a_fixed_number_of_queries(
    client, world, sw, django_assert_max_num_queries
):
    client.force_login(world.alice)
    with django_assert_max_num_queries(12):
        client.get(
            reverse("reports:statistics"),
            {
                "measure": "tickets",
                "dimension1": "week",
                "dimension2": "till",
                "period": "this_year",
            },
        )
