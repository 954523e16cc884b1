"""Dates at the calendar's edges (0001-01-01, 9999-12-31, 9999-12) are refused with a French
message, never a 500: one bounded date field and one bounded month field serve every form."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

import cabas.gestion
from cabas.gestion.beneficiaries.imports import parse_date
from cabas.gestion.core.forms import (
    MAX_YEAR,
    MIN_YEAR,
    BoundedDateField,
    BoundedMonthField,
    check_date_bounds,
)
from tests.gestion.beneficiaries.factories import make_household

DATE_MESSAGE = "Choisissez une date entre 2000 et 2100."
MONTH_MESSAGE = "Choisissez un mois entre 2000 et 2100."

STATISTIC = "measure=paid&dimension1=month&period=custom&customer=all&chart=bar"

# (url name, query string, the message the page must show)
EDGE_PAGES = [
    ("sales:ticket_list", "start=0001-01-01", DATE_MESSAGE),
    ("sales:ticket_list", "end=9999-12-31", DATE_MESSAGE),
    ("sales:ticket_list", "start=9999-12-31&end=9999-12-31", DATE_MESSAGE),
    ("reports:activity", "kind=month&month=9999-12", MONTH_MESSAGE),
    ("reports:activity", "kind=month&month=0001-01", MONTH_MESSAGE),
    ("reports:stock", "day=0001-01-01", DATE_MESSAGE),
    ("reports:sales", "date_from=0001-01-01&date_to=0001-01-31", DATE_MESSAGE),
    ("reports:sales", "date_from=9999-12-30&date_to=9999-12-31", DATE_MESSAGE),
    (
        "reports:sales_tickets",
        "date_from=0001-01-01&date_to=0001-01-31&dimension=day&value=0001-01-01",
        DATE_MESSAGE,
    ),
    ("reports:statistics", f"{STATISTIC}&date_from=9999-12-30&date_to=9999-12-31", DATE_MESSAGE),
    ("reports:statistics", f"{STATISTIC}&date_from=0001-01-01&date_to=0001-01-31", DATE_MESSAGE),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "query", "message"), EDGE_PAGES)
def test_a_date_at_the_calendars_edge_is_refused_in_french(
    alice_client, name: str, query: str, message: str
) -> None:
    response = alice_client.get(f"{reverse(name)}?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31"])
def test_rights_opened_at_the_calendars_edge_are_refused_in_french(
    alice_client, world, start: str
) -> None:
    household = make_household(world.store_a)
    url = reverse("beneficiaries:admit", args=[household.pk])
    response = alice_client.post(url, {"start": start, "months": "6"})
    assert response.status_code == 200
    assert DATE_MESSAGE in response.content.decode()
    assert not household.periods.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "9999-12-30"])
def test_a_drill_down_row_at_the_calendars_edge_goes_back_to_the_report(
    alice_client, value: str
) -> None:
    query = f"date_from=2026-01-01&date_to=2026-01-31&dimension=day&value={value}"
    response = alice_client.get(f"{reverse('reports:sales_tickets')}?{query}")
    assert response.status_code == 302
    assert response.url == reverse("reports:sales")


@pytest.mark.django_db
@pytest.mark.parametrize(("option", "value"), [("--from", "0001-01-01"), ("--to", "9999-12-31")])
def test_the_report_command_refuses_a_date_at_the_calendars_edge(
    world, tmp_path, option: str, value: str
) -> None:
    dates = {"--from": "2026-01-01", "--to": "2026-01-31", option: value}
    with pytest.raises(CommandError, match=DATE_MESSAGE.replace(".", r"\.")):
        call_command(
            "report",
            "stock",
            "--store",
            world.store_a.slug,
            "--from",
            dates["--from"],
            "--to",
            dates["--to"],
            "--format",
            "csv",
            "--output",
            str(tmp_path / "out.csv"),
        )


def test_the_household_import_refuses_a_date_at_the_calendars_edge() -> None:
    for text in ("01/01/0001", "31/12/9999", "9999-12-31"):
        with pytest.raises(ValidationError, match=DATE_MESSAGE.replace(".", r"\.")):
            parse_date(text, "Début des droits")
    assert parse_date("01/01/1950", "Date de naissance", min_year=1900) == date(1950, 1, 1)


def _every_form_class() -> list[type[forms.BaseForm]]:
    found: dict[str, type[forms.BaseForm]] = {}
    for module_info in pkgutil.walk_packages(cabas.gestion.__path__, "cabas.gestion."):
        if not module_info.name.endswith("forms"):
            continue
        module = importlib.import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def test_every_date_field_of_the_back_office_is_bounded() -> None:
    classes = _every_form_class()
    assert len(classes) > 10
    dated = 0
    for form_class in classes:
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.DateField):
                dated += 1
                assert isinstance(field, BoundedDateField), f"{form_class.__name__}.{name}"
            if name == "month":
                assert isinstance(field, BoundedMonthField), f"{form_class.__name__}.{name}"
    assert dated >= 10


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_the_bounded_date_field_keeps_years_2000_to_2100(day: date) -> None:
    field = BoundedDateField(required=False)
    text = f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    if MIN_YEAR <= day.year <= MAX_YEAR:
        assert field.clean(text) == day
        assert check_date_bounds(day) == day
    else:
        with pytest.raises(ValidationError) as raised:
            field.clean(text)
        assert raised.value.messages == [DATE_MESSAGE]


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=12))
def test_the_bounded_month_field_keeps_years_2000_to_2100(year: int, month: int) -> None:
    field = BoundedMonthField(required=False)
    text = f"{year:04d}-{month:02d}"
    if MIN_YEAR <= year <= MAX_YEAR:
        assert field.clean(text) == text
    else:
        with pytest.raises(ValidationError) as raised:
            field.clean(text)
        assert raised.value.messages == [MONTH_MESSAGE]


def test_the_bounded_month_field_still_wants_year_dash_month() -> None:
    field = BoundedMonthField(required=False)
    assert field.clean("") == ""
    for text in ("2026-13", "2026-1", "26-01", "janvier"):
        with pytest.raises(ValidationError, match="AAAA-MM"):
            field.clean(text)
