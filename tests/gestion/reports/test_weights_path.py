"""Weights through the whole path: a food-bank donation received, sold at a till, counted in
the activity report and the funders' returns (PDF read back with pdftotext, XLSX with
openpyxl, and `cabas report`). Runs on SQLite, PostgreSQL and MariaDB (DATABASE_URL)."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.purchasing.models import SupplierKind
from cabas.gestion.purchasing.receiving import ReceivedLine, donation_receive
from cabas.gestion.purchasing.services import supplier_create
from cabas.gestion.reports.activity import activity_report
from cabas.gestion.reports.returns import food_bank_return, quarter_period
from cabas.gestion.stock.services import lot_receive
from tests.gestion.beneficiaries.factories import make_household
from tests.gestion.pos.conftest import till_a  # noqa: F401
from tests.gestion.sales.conftest import Shop, ticket
from tests.gestion.sales.test_intake import send

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def path(world, till_a):  # type: ignore[no-untyped-def]  # noqa: F811
    """Today: 20 spaghetti (500 g) and 5 kg of carrots from the food bank, 10 bought
    spaghetti (their DLC later: FEFO sells the food bank's first), 6 soaps (no weight).
    A household of 3 buys 12 spaghetti, 1,5 kg of carrots and 2 soaps; another customer
    without a card buys 4 spaghetti."""
    store = world.store_a
    today = store.today()
    epicerie = category_create(store=store, name="Épicerie salée")
    fruits = category_create(store=store, name="Fruits et légumes")

    def product(name, category, **extra):  # type: ignore[no-untyped-def]
        extra.setdefault("price_cents", 150)
        return product_create(store=store, actor=None, name=name, category=category, **extra)

    pasta = product("Spaghetti 500 g", epicerie, net_weight_g=500)
    carrots = product("Carottes", fruits, unit="kg", price_cents=180)
    soap = product("Savon", epicerie, price_cents=250)
    bank = supplier_create(
        store=store,
        actor=None,
        data={"name": "Banque alimentaire du Rhône", "kind": SupplierKind.FOOD_BANK},
    )
    donation_receive(
        store=store,
        donor=bank,
        actor=world.diane,
        lines=[
            ReceivedLine(pasta, 20, dlc=today + timedelta(days=10)),
            ReceivedLine(carrots, 5_000),
        ],
    )
    lot_receive(store=store, product=pasta, quantity=10, actor=None, dlc=today + timedelta(days=60))
    lot_receive(store=store, product=soap, quantity=6, actor=None)
    household = make_household(
        store, admit=(today - timedelta(days=30), today + timedelta(days=300))
    )
    household.adults, household.children = 2, 1
    household.save(update_fields=["adults", "children"])
    cashier = store.memberships.get(user=world.bob).pk
    shop = Shop(store, pasta, carrots, soap, household, cashier)
    send(till_a, ticket(shop, [(pasta, 12), (carrots, 1_500), (soap, 2)]))
    send(till_a, ticket(shop, [(pasta, 4)], household=None))
    quarter = (today.month - 1) // 3 + 1
    return shop, today.year, quarter


def test_the_activity_report_counts_the_kilograms_sold_at_the_till(path):
    shop, year, quarter = path
    report = activity_report(shop.store, quarter_period(year, quarter, shop.store.timezone))
    f = report.figures
    # Received: 20 × 500 g + 5 kg (food bank) + 10 × 500 g (bought) = 20 kg; 6 soaps unweighed.
    assert (f["kg_received"], f["kg_distributed"], f["kg_lost"]) == (20_000, 9_500, 0)
    assert f["unweighed_distributed"] == 2
    assert f["people"] == 3 and f["kg_per_person"] == 9_500 // 3
    origins = {row[0]: row[1:] for row in report.kg.tables[0].rows}  # type: ignore[union-attr]
    # 16 spaghetti: the food bank's 16 first (FEFO), none of the bought ones yet.
    assert origins["banque alimentaire"][:3] == [15_000, 20 * 150 + 5 * 180, 9_500]
    assert origins["achat"][0] == 5_000 and origins["achat"][2] == 0


def test_the_food_bank_return_as_pdf_and_xlsx(path, client, world, output_dir):
    shop, year, quarter = path
    result = food_bank_return(shop.store, year, quarter)
    summary = dict(result.summary())
    assert summary["Kilos reçus de la banque alimentaire"] == "15,000\u00a0kg"
    assert summary["Kilos de la banque alimentaire distribués"] == "9,500\u00a0kg"
    assert summary["Personnes servies"] == "3"

    client.force_login(world.alice)
    url = reverse("reports:returns")
    query = {"kind": "foodbank", "year": year, "quarter": quarter}
    page = client.get(url, query)
    assert page.status_code == 200 and "Denrées de la banque alimentaire" in page.content.decode()
    pdf = client.get(url, {**query, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    target = output_dir / "bilan-banque-alimentaire.pdf"
    target.write_bytes(pdf.content)
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(target), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        assert "Bilan trimestriel pour la banque alimentaire" in text
        assert "trimestre" in text and "Épicerie A" in text
        for expected in ("Kilos reçus de la banque alimentaire", "15,000 kg", "9,500 kg"):
            assert expected in text.replace("\u00a0", " "), expected
        assert "Savon" in text  # listed as without weight, not counted as zero
    xlsx = client.get(url, {**query, "format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    key = book.worksheets[0]
    values = {row[0]: row[1:] for row in key.iter_rows(values_only=True) if row and row[0]}
    assert values["Kilos reçus de la banque alimentaire"][1] == 15.0
    assert values["Personnes servies"][0] == 3


def test_cabas_report_writes_both_returns(path, tmp_path):
    shop, year, quarter = path
    target = tmp_path / "bilan.pdf"
    out = io.StringIO()
    call_command(
        "report",
        "foodbank",
        "--store",
        shop.store.slug,
        "--year",
        str(year),
        "--quarter",
        str(quarter),
        "--format",
        "pdf",
        "--output",
        str(target),
        stdout=out,
    )
    assert target.read_bytes().startswith(b"%PDF") and "Bilan écrit" in out.getvalue()
    yearly = tmp_path / "habilitation.xlsx"
    call_command(
        "report",
        "authorisation",
        "--store",
        shop.store.slug,
        "--year",
        str(year),
        "--format",
        "xlsx",
        "--output",
        str(yearly),
        stdout=io.StringIO(),
    )
    book = load_workbook(yearly)
    titles = [sheet.title for sheet in book.worksheets]
    assert "Kilogrammes par provenance" in titles


def test_a_return_with_bad_input_is_a_french_message(path, tmp_path, client, world):
    shop, year, _quarter = path
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="trimestre"):
        call_command(
            "report", "foodbank", "--store", shop.store.slug, "--year", str(year),
            "--format", "pdf", "--output", str(tmp_path / "x.pdf"),
        )  # fmt: skip
    with pytest.raises(CommandError, match="pdf ou en xlsx"):
        call_command(
            "report", "authorisation", "--store", shop.store.slug, "--year", str(year),
            "--format", "csv", "--output", str(tmp_path / "x.csv"),
        )  # fmt: skip
    client.force_login(world.alice)
    page = client.get(reverse("reports:returns"), {"kind": "foodbank", "year": "3000"})
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    client.force_login(world.charlie)  # shop B's manager: shop B's (empty) figures only
    other = client.get(
        reverse("reports:returns"), {"kind": "foodbank", "year": year, "quarter": _quarter}
    )
    assert "Spaghetti" not in other.content.decode()
