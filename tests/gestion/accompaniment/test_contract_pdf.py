"""The project's contract PDF, read back with pdftotext."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from cabas.gestion.beneficiaries import codes
from tests.gestion.accompaniment.factories import make_project
from tests.gestion.beneficiaries.factories import make_household

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_the_contract_reads_back_with_the_household_the_goal_and_the_signatures(
    world, alice_client, tmp_path
):
    household = make_household(
        world.store_a, last_name="Dupont", first_name="Marie", referrer_service="CCAS de Lyon"
    )
    project = make_project(household, goal_cents=85_000, label="Permis de conduire")
    response = alice_client.get(reverse("accompaniment:contract", args=[household.pk, project.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "contrat.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "Contrat d'accompagnement" in flat
    assert "Marie Dupont" in flat and codes.display(household.code) in flat
    assert "Permis de conduire" in flat
    assert "850,00 €" in flat
    assert "CCAS de Lyon" in flat
    assert f"{project.start.day} " in flat  # dates in words, in French
    assert "Pour le foyer" in flat and "Pour l'épicerie" in flat and "Signature" in flat
    assert "Un produit remboursé retire l'économie" in flat


def test_charlie_cannot_print_shop_as_contract(world, client):
    household = make_household(world.store_a)
    project = make_project(household)
    client.force_login(world.charlie)
    url = reverse("accompaniment:contract", args=[household.pk, project.pk])
    assert client.get(url).status_code == 404
