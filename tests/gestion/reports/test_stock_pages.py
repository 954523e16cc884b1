"""The stock report page: figures, exports through the page, a past date, query cap."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from cabas.gestion.stock.services import lot_receive
from tests.gestion.reports.conftest import local

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(world, catalogue):
    for product, qty in ((catalogue.pasta, 20), (catalogue.apples, 2_000), (catalogue.soap, 4)):
        lot_receive(
            store=world.store_a,
            product=product,
            quantity=qty,
            actor=None,
            received_at=local(2026, 1, 5),
        )
    return catalogue


def test_a_stock_manager_sees_the_stock_state_at_a_past_date(client, world, stocked):
    client.force_login(world.diane)
    response = client.get(reverse("reports:stock"), {"day": "2026-01-31"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stock par rayon" in page
    assert "Pâtes, riz" in page
    assert "2,000\u00a0kg" in page


def test_a_future_date_is_refused_in_french(client, world, stocked):
    client.force_login(world.alice)
    response = client.get(reverse("reports:stock"), {"day": "2099-01-01"})
    assert "Choisissez aujourd&#x27;hui ou une date passée." in response.content.decode()


def test_the_stock_page_exports_csv_xlsx_and_pdf(client, world, stocked, output_dir):
    client.force_login(world.alice)
    url = reverse("reports:stock")
    csv_response = client.get(url, {"day": "2026-01-31", "format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
    assert ["Épicerie salée › Pâtes, riz", "20", "0,000", "18,00", "30,00"] in rows
    xlsx = client.get(url, {"day": "2026-01-31", "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[0].startswith("Stock par rayon")
    pdf = client.get(url, {"day": "2026-01-31", "format": "pdf"})
    (output_dir / "stock-2026-01-31.pdf").write_bytes(pdf.content)
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "État du stock" in text and "Pâtes, riz" in text


def test_the_stock_page_runs_a_fixed_number_of_queries(
    client, world, stocked, django_assert_max_num_queries
):
    client.force_login(world.alice)
    with django_assert_max_num_queries(14):
        client.get(reverse("reports:stock"), {"day": "2026-01-31"})
