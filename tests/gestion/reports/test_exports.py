"""Tables exported as CSV, XLSX and PDF read back the same figures; formulas are neutralised."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook
from pypdf import PdfReader

from cabas.gestion.reports.charts import Series, render_chart
from cabas.gestion.reports.exports import neutralise, tables_to_csv, tables_to_pdf, tables_to_xlsx
from cabas.gestion.reports.tables import Column, Table


def sample() -> Table:
    return Table(
        title="Ventes par produit",
        columns=[
            Column("product", "Produit"),
            Column("qty", "Pièces", "int"),
            Column("kg", "Vrac", "grams"),
            Column("paid", "Payé", "cents"),
            Column("share", "Part", "percent"),
            Column("day", "Jour", "date"),
        ],
        rows=[
            ['=HYPERLINK("http://evil")', 3, 1_250, 1234, 12.5, date(2026, 1, 31)],
            ["Lait demi-écrémé", -1, None, -95, None, date(2026, 2, 1)],
            ["@SUM(A1)", 0, 0, 0, 0.0, None],
        ],
        totals=["Total", 2, 1_250, 1139, None, None],
    )


def test_a_text_cell_that_looks_like_a_formula_gets_a_leading_apostrophe():
    for text in ("=1+1", "+33 6", "-2", "@cmd", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("Pâtes") == "Pâtes"


def test_the_csv_reads_back_with_french_decimals_and_neutralised_formulas():
    raw = tables_to_csv([sample()])
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Produit", "Pièces", "Vrac (kg)", "Payé (€)", "Part (%)", "Jour"]
    assert rows[1] == ['\'=HYPERLINK("http://evil")', "3", "1,250", "12,34", "12,5", "2026-01-31"]
    # A negative number stays a number: only text cells are neutralised.
    assert rows[2] == ["Lait demi-écrémé", "-1", "", "-0,95", "", "2026-02-01"]
    assert rows[3][0] == "'@SUM(A1)"
    assert rows[4] == ["Total", "2", "1,250", "11,39", "", ""]


def test_the_xlsx_keeps_numbers_as_numbers_and_text_as_text():
    workbook = load_workbook(io.BytesIO(tables_to_xlsx([sample()], heading="Épicerie A")))
    sheet = workbook.active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(values) if row[0] == "Produit")
    first = values[header_at + 1]
    assert first[0] == '\'=HYPERLINK("http://evil")'
    assert first[1:5] == [3, 1.25, 12.34, 12.5]
    assert first[5].date() == date(2026, 1, 31)
    assert values[header_at + 2][3] == -0.95
    assert values[header_at + 4][:4] == ["Total", 2, 1.25, 11.39]
    # No cell holds a formula.
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_pdf_holds_the_title_the_key_figures_and_the_rows():
    pdf = tables_to_pdf(
        [sample()], title="Rapport d'activité", subtitle="01/2026", summary=[("Foyers", "12")]
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Rapport d'activité" in text
    assert "Foyers" in text and "12" in text
    assert "Lait demi-écrémé" in text
    assert "12,34" in text


def test_the_svg_chart_escapes_labels_and_draws_one_bar_per_value():
    svg = render_chart(
        kind="bar",
        categories=["<script>alert(1)</script>", "B"],
        series=[Series("Payé", [12.5, -3.0])],
        title="Test",
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script>" not in svg
    assert svg.count("<rect") == 1 + 2  # background + two bars
    line = render_chart(
        kind="line",
        categories=["a", "b", "c"],
        series=[Series("x", [1, 2, 3]), Series("y", [3, 2, 1])],
    )
    assert line.count("<polyline") == 2
