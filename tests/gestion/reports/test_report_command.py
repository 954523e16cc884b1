"""`cabas report …` writes the reports as files; bad input gets a French error and exit 1."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.gestion.reports.sales_data import SalesWorld, make_sales_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def sw(world) -> SalesWorld:
    return make_sales_world(world)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_sales_by_till_as_csv(sw, tmp_path):
    target = tmp_path / "ventes.csv"
    printed = run(
        "sales",
        "--store",
        "epicerie-a",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--format",
        "csv",
        "--output",
        str(target),
        "--group-by",
        "till",
    )
    assert "Rapport écrit" in printed
    rows = list(csv.reader(io.StringIO(target.read_text("utf-8-sig")), delimiter=";"))
    assert ["Caisse 1", "8", "1,500", "3,70", "18,50", "14,80", "3", "2"] in rows


def test_stock_as_xlsx(sw, tmp_path):
    target = tmp_path / "stock.xlsx"
    run(
        "stock",
        "--store",
        "epicerie-a",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    book = load_workbook(target)
    assert book.sheetnames[0].startswith("Stock par rayon")


def test_activity_as_pdf(sw, tmp_path):
    target = tmp_path / "activite.pdf"
    run(
        "activity",
        "--store",
        "epicerie-a",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--format",
        "pdf",
        "--output",
        str(target),
    )
    text = PdfReader(target).pages[0].extract_text()
    assert "Rapport d'activité mensuel" in text and "Épicerie A" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inventaire"], "Rapport inconnu"),
        (["sales", "--format", "doc"], "Format inconnu"),
        (["sales", "--store", "nulle-part"], "Aucune épicerie"),
        (["sales", "--from", "31/01/2026"], "Date invalide pour --from"),
        (["sales", "--to", "2025-12-01"], "La date de fin précède la date de début."),
        (["sales", "--output", "/nonexistent/dir/x.csv"], "n'existe pas"),
    ],
)
def test_bad_input_is_refused_in_french(world, tmp_path, args, message):
    base = {
        "--store": "epicerie-a",
        "--from": "2026-01-01",
        "--to": "2026-01-31",
        "--format": "csv",
        "--output": str(tmp_path / "x.csv"),
    }
    kind = args[0]
    for flag, value in zip(args[1::2], args[2::2], strict=True):
        base[flag] = value
    argv = [kind] + [item for pair in base.items() for item in pair]
    with pytest.raises(CommandError, match=message):
        call_command("report", *argv)


def test_the_cli_exits_non_zero_on_bad_input(world, tmp_path, capsys):
    from cabas.gestion.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "cabas",
                "report",
                "sales",
                "--store",
                "nulle-part",
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-31",
                "--output",
                str(tmp_path / "x.csv"),
            ]
        )
    assert exit_info.value.code == 1
    assert "Aucune épicerie" in capsys.readouterr().err
