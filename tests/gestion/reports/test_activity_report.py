"""The monthly and annual activity reports against the hand-computed data set."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from cabas.gestion.reports.activity import activity_report
from cabas.gestion.reports.periods import Period, month_period
from tests.gestion.reports.sales_data import SalesWorld, make_sales_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def sw(world) -> SalesWorld:
    return make_sales_world(world)


def test_the_january_report(sw):
    report = activity_report(sw.store, month_period("2026-01", sw.store.timezone))
    f = report.figures
    assert (f["households"], f["people"], f["adults"], f["children"]) == (2, 4, 3, 1)
    assert (f["visits"], f["tickets"]) == (3, 4)
    assert (f["admissions"], f["renewals"], f["exits"], f["active_end"]) == (2, 0, 1, 3)
    assert (f["paid"], f["full"]) == (520, 2000)
    assert (f["paid_households"], f["savings_households"]) == (370, 1480)
    assert f["fruit_veg_share"] == pytest.approx(22.5)
    assert f["average_visit"] == 123
    composition, communes, origins = report.tables[:3]
    assert composition.rows == [["1 personne(s)", 1, 1], ["3 personne(s)", 1, 3]]
    assert communes.rows == [["Lyon", 1, 3], ["Villeurbanne", 1, 1]]
    assert {r[0]: r[1:] for r in origins.rows} == {
        "achat": [7, 0, 350, 1150],
        "autre don": [2, 0, 80, 400],
        "aide européenne (FSE+)": [0, 1500, 90, 450],
    }


def test_the_february_report_starts_with_the_ticket_of_half_past_midnight(sw):
    f = activity_report(sw.store, month_period("2026-02", sw.store.timezone)).figures
    assert (f["households"], f["visits"], f["paid"]) == (2, 2, 70)
    assert (f["admissions"], f["exits"]) == (0, 0)


def test_the_annual_report_counts_each_household_once(sw):
    report = activity_report(
        sw.store, Period(date(2026, 1, 1), date(2026, 12, 31), sw.store.timezone), annual=True
    )
    assert report.figures["households"] == 2
    assert report.figures["people"] == 4
    by_month = report.tables[0]
    assert [(r[0], r[1], r[2]) for r in by_month.rows] == [("01/2026", 2, 4), ("02/2026", 2, 2)]
    assert (by_month.totals or [])[1] == 2  # not 4: unduplicated over the year


def test_the_activity_pdf_is_one_clean_page_with_the_figures(client, world, sw, output_dir):
    client.force_login(world.alice)
    response = client.get(
        reverse("reports:activity"), {"kind": "month", "month": "2026-01", "format": "pdf"}
    )
    assert response["Content-Type"] == "application/pdf"
    (output_dir / "activite-2026-01.pdf").write_bytes(response.content)
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) <= 3  # the figures, then the kilograms and the categories
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "Rapport d'activité mensuel",
        "Foyers servis (sans doublon)",
        "Villeurbanne",
        "22,5",
        "5,20",
        "FSE+",
        "Kilogrammes par provenance",
        "Personnes servies par catégorie des financeurs",
    ):
        assert expected in text, expected


def test_the_activity_xlsx_and_csv_read_back(client, world, sw):
    client.force_login(world.alice)
    url = reverse("reports:activity")
    xlsx = client.get(url, {"kind": "month", "month": "2026-01", "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    key = book[book.sheetnames[0]]
    values = {row[0]: row[1:] for row in key.iter_rows(values_only=True) if row[0]}
    assert values["Foyers servis (sans doublon)"][0] == 2
    assert values["Montant payé, tous clients"][1] == 5.2
    csv_response = client.get(url, {"kind": "month", "month": "2026-01", "format": "csv"})
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
    assert ["Personnes servies", "4", "", ""] in rows


def test_a_bad_month_is_refused_in_french(client, world, sw):
    client.force_login(world.alice)
    page = client.get(reverse("reports:activity"), {"kind": "month", "month": "2026-13"})
    assert "Mois attendu au format AAAA-MM." in page.content.decode()


def test_the_activity_page_runs_a_fixed_number_of_queries(
    client, world, sw, django_assert_max_num_queries
):
    client.force_login(world.alice)
    # 20 for the sales figures, 8 for the kilograms and the funders' categories.
    with django_assert_max_num_queries(28):
        client.get(reverse("reports:activity"), {"kind": "year", "year": "2026"})
