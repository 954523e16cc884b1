"""The yearly donation certificate (PDF, read back with pdftotext) and the register of
collections (CSV, XLSX): the certificate's totals are the register's."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cabas.gestion.pickups.services import LineEntry, collection_line_add, collection_start
from cabas.gestion.reports.tables import format_grams
from cabas.gestion.stores.models import Store
from cabas.rules.money import format_euros
from tests.conftest import require_tool
from tests.gestion.pickups.conftest import Pickups, validated_round

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def pdf_text(pdf: bytes, folder: Path) -> str:
    """The PDF's text as pdftotext reads it, with its spaces (narrow, non-breaking) as spaces
    and runs of them as one."""
    require_tool("pdftotext", shutil.which("pdftotext") is not None, "pdftotext is missing")
    path = folder / "attestation.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def spaced(text: str) -> str:
    return re.sub(r"[\u00a0\u202f]", " ", text)


def collect_a_year(pickups: Pickups) -> None:
    """Two rounds at the per-kilo donor this year, one last year, one at the other donor, and
    a draft: only the first two count on its certificate."""
    soon = timezone.localdate() + timedelta(days=6)
    validated_round(
        pickups,
        pickups.per_kg,
        [
            {
                "category": pickups.produce,
                "weight_grams": 1_234_567,
                "refused_grams": 20_000,
                "refused_reason": "spoiled",
            },
            {
                "category": pickups.chilled,
                "weight_grams": 42_250,
                "dlc": soon,
                "temperature_tenths": 31,
            },
        ],
    )
    validated_round(
        pickups,
        pickups.per_kg,
        [
            {
                "category": pickups.chilled,
                "weight_grams": 3_333,
                "product": pickups.yoghurt,
                "quantity": 12,
                "dlc": soon,
                "temperature_tenths": 40,
            },
            {
                "category": pickups.chilled,
                "weight_grams": 0,
                "refused_grams": 8_000,
                "refused_reason": "cold_chain",
                "temperature_tenths": 95,
            },
        ],
    )
    validated_round(
        pickups,
        pickups.per_kg,
        [{"category": pickups.produce, "weight_grams": 50_000}],
        days_ago=400,
    )
    validated_round(
        pickups,
        pickups.declared,
        [{"category": pickups.produce, "weight_grams": 9_000, "declared_value_cents": 3_100}],
    )
    draft = collection_start(store=pickups.store, donor=pickups.per_kg, actor=None)
    collection_line_add(
        collection=draft,
        entry=LineEntry(category=pickups.produce, weight_grams=77_000),
        actor=None,
    )


def set_identity(store: Store) -> None:
    Store.objects.filter(pk=store.pk).update(
        legal_name="Association Le Panier Solidaire",
        address="12 rue de la République",
        postal_code="69003",
        city="Lyon",
        siren="443061841",
        rna="W691234567",
    )


def test_the_certificate_prints_the_registers_totals_by_family(world, pickups_a, tmp_path):
    set_identity(world.store_a)
    collect_a_year(pickups_a)
    year = timezone.localdate().year
    client = signed_in(world.alice)
    register = client.get(
        reverse("pickups:register"),
        {"annee": year, "donateur": pickups_a.per_kg.pk, "format": "csv"},
    )
    rows = list(csv.reader(io.StringIO(register.content.decode("utf-8-sig")), delimiter=";"))
    header, lines, totals = rows[0], rows[1:-1], rows[-1]
    assert len(lines) == 4  # the two rounds of this year, nothing of last year or the draft
    weight = header.index("Poids accepté (kg)")
    value = header.index("Valeur (€)")
    assert totals[weight] == "1280,150"
    # 1234.567 kg × 2.50 = 3086.4175 → 3086.42; 42.25 kg × 6.40 = 270.40; 3.333 × 6.40 = 21.33.
    assert totals[value] == "3378,15"
    assert sum(int(line[value].replace(",", "")) for line in lines) == 337_815

    response = client.get(reverse("pickups:certificate", args=[pickups_a.per_kg.pk, year]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    (tmp_path / "attestation.txt").write_text(text)
    assert f"Attestation de dons en nature — année {year}" in text
    assert f"ATT-{year}-{pickups_a.per_kg.pk:04d}" in text
    for words in (
        "Association Le Panier Solidaire",
        "12 rue de la République",
        "69003 Lyon",
        "SIREN : 443 061 841",
        "RNA : W691234567",
        "Supermarché du Centre",
        "SIREN : 732 829 320",
        "1 place du Marché",
        "2 ramasse(s)",
        "Nom et qualité du signataire",
        "Signature et cachet",
        "article 238 bis",
    ):
        assert words in text, words
    assert re.search(r"Fruits et légumes\s+1 234,567 kg\s+3 086,42 €", text)
    assert re.search(r"Produits frais\s+45,583 kg\s+291,73 €", text)
    assert re.search(r"Total\s+1 280,150 kg\s+3 378,15 €", text)
    assert spaced(f"Montant total des dons en nature : {format_euros(337_815)}") in text
    assert spaced(format_grams(28_000)) in text  # refused, not counted
    assert "Produits frais 6,40 €/kg" in text and "Fruits et légumes 2,50 €/kg" in text


def test_the_xlsx_register_has_the_same_totals(world, pickups_a):
    collect_a_year(pickups_a)
    year = timezone.localdate().year
    response = signed_in(world.alice).get(
        reverse("pickups:register"), {"annee": year, "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(row for row in values if row and row[0] == "Date")
    total = next(row for row in values if row and row[2] == "Total")
    assert total[header.index("Poids accepté (kg)")] == pytest.approx(1289.150)
    assert total[header.index("Valeur (€)")] == pytest.approx(3409.15)


def test_the_certificates_page_lists_each_donor_of_the_year(world, pickups_a):
    collect_a_year(pickups_a)
    page = signed_in(world.alice).get(reverse("pickups:certificates")).content.decode()
    assert "Supermarché du Centre" in page and "Boulangerie Martin" in page
    assert spaced(format_euros(337_815)) in spaced(page)
    assert "Complétez l'adresse et le SIREN" in page  # the association's identity is not set yet


def test_a_declared_donors_certificate_says_how_it_was_valued(world, pickups_a, tmp_path):
    collect_a_year(pickups_a)
    year = timezone.localdate().year
    response = signed_in(world.alice).get(
        reverse("pickups:certificate", args=[pickups_a.declared.pk, year])
    )
    text = pdf_text(response.content, tmp_path)
    assert "valeur déclarée par le donateur" in text
    assert re.search(r"Total\s+9,000 kg\s+31,00 €", text)


def test_a_year_without_rounds_gives_no_certificate(world, pickups_a):
    response = signed_in(world.alice).get(
        reverse("pickups:certificate", args=[pickups_a.per_kg.pk, 2031]), follow=True
    )
    assert "Aucune ramasse validée chez Supermarché du Centre en 2031" in response.content.decode()
    huge = signed_in(world.alice).get(f"/ramasses/attestations/{pickups_a.per_kg.pk}/99999999/")
    assert huge.status_code == 404


def test_charlie_gets_neither_the_certificate_nor_the_register_of_shop_a(
    world, pickups_a, pickups_b
):
    collect_a_year(pickups_a)
    year = timezone.localdate().year
    client = signed_in(world.charlie)
    assert (
        client.get(reverse("pickups:certificate", args=[pickups_a.per_kg.pk, year])).status_code
        == 404
    )
    register = client.get(reverse("pickups:register"), {"annee": year, "format": "csv"})
    assert "Supermarché du Centre" not in register.content.decode("utf-8-sig")
    page = client.get(reverse("pickups:certificates")).content.decode()
    assert "Supermarché du Centre" not in page
