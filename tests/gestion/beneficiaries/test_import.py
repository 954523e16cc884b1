from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from cabas.gestion.beneficiaries import services
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.imports import ImportFileError, column_key, read_table
from tests.gestion.beneficiaries.factories import make_household

GOOD = "Nom;Prénom;Commune;Adultes;Enfants;Début droits;Durée mois;Budget;Taux\n"
# Rights start near today (a start more than a year away is refused): the first of this month.
START = timezone.localdate().replace(day=1)
LINES = f"Martin;Jules;Lyon;2;1;{START:%d/%m/%Y};6;;\nPetit;Ana;Bron;1;0;;;25,50;15\n"
BAD = ";Sans nom;Lyon;1;0;;;;\nDurand;Léo;Lyon;zéro;0;31/02/2026;3;;\nRoux;Eva;Lyon;1;0;;;;150\n"


def upload(client, text: str, name: str = "foyers.csv"):
    return client.post(
        reverse("beneficiaries:import"), {"file": SimpleUploadedFile(name, text.encode("utf-8"))}
    )


def test_a_valid_file_is_previewed_then_imported_with_rights(world, client) -> None:
    client.force_login(world.alice)
    response = upload(client, GOOD + LINES)
    assert "2 ligne(s) valide(s), 0 ligne(s) en erreur" in response.content.decode()
    assert not Household.objects.exists()
    response = client.post(reverse("beneficiaries:import"), {"action": "all"})
    assert response.status_code == 302
    martin = Household.objects.get(last_name="Martin")
    assert (martin.adults, martin.children, martin.monthly_budget_cents) == (2, 1, 3500)
    assert (martin.rights_start, martin.rights_end) == (START, services.period_end_for(START, 6))
    petit = Household.objects.get(last_name="Petit")
    assert (petit.monthly_budget_cents, petit.rate_bp, petit.rights_end) == (2550, 1500, None)


def test_each_bad_line_is_explained_in_french_and_nothing_is_applied(world, client) -> None:
    client.force_login(world.alice)
    html = upload(client, GOOD + LINES + BAD).content.decode()
    assert "2 ligne(s) valide(s), 3 ligne(s) en erreur" in html
    assert "Le nom est obligatoire." in html
    assert "Adultes : un nombre entier de 1 à 20 est attendu." in html
    assert "« 31/02/2026 » n&#x27;est pas une date" in html
    assert "Le taux ne peut pas dépasser 100 %." in html
    # All lines: refused while any line is wrong.
    html = client.post(reverse("beneficiaries:import"), {"action": "all"}).content.decode()
    assert "Le fichier contient des erreurs" in html
    assert not Household.objects.exists()
    # Valid lines only: the two good ones.
    client.post(reverse("beneficiaries:import"), {"action": "valid"})
    assert set(Household.objects.values_list("last_name", flat=True)) == {"Martin", "Petit"}


def test_duplicates_in_the_file_or_in_the_shop_are_refused(world, client) -> None:
    make_household(world.store_a, last_name="Martin", first_name="Jules")
    client.force_login(world.alice)
    html = upload(client, GOOD + LINES + "Petit;Ana;Bron;1;0;;;;\n").content.decode()
    assert "Ce foyer est déjà enregistré dans l&#x27;épicerie." in html
    assert "Ce foyer figure déjà plus haut dans le fichier." in html


def test_an_xlsx_file_is_read_like_a_csv(world, client) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nom", "Prénom", "Adultes", "Début droits"])
    sheet.append(["Leroy", "Tom", 3, START])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_table("foyers.xlsx", buffer.getvalue())
    assert rows == [
        {"nom": "Leroy", "prenom": "Tom", "adultes": "3", "debut_droits": START.isoformat()}
    ]
    client.force_login(world.alice)
    client.post(
        reverse("beneficiaries:import"), {"file": SimpleUploadedFile("f.xlsx", buffer.getvalue())}
    )
    client.post(reverse("beneficiaries:import"), {"action": "all"})
    assert Household.objects.get(last_name="Leroy").rights_start == START


def test_an_unreadable_file_gets_a_french_message() -> None:
    for name, content in (("x.pdf", b"%PDF"), ("x.xlsx", b"not a zip"), ("x.csv", b"")):
        try:
            read_table(name, content)
        except ImportFileError as error:
            assert str(error)
        else:  # pragma: no cover
            raise AssertionError(name)
    assert column_key(" Début  des droits ") == "debut_des_droits"


def test_a_cashier_cannot_import(world, client) -> None:
    client.force_login(world.bob)
    assert upload(client, GOOD + LINES).status_code == 403
    assert not Household.objects.exists()


def test_oversized_or_binary_files_are_refused_before_any_validation() -> None:
    import pytest

    from cabas.gestion import imports

    lines = "nom\n" + "x\n" * imports.MAX_ROWS
    assert len(read_table("ok.csv", lines.encode())) == imports.MAX_ROWS
    for name, content, message in (
        ("long.csv", (lines + "y\n").encode(), "plus de 5000 lignes"),
        ("wide.csv", (";".join(["a"] * 50) + "\n").encode(), "plus de 40 colonnes"),
        ("nul.csv", b"nom\n\x00\x01", "n'est pas un fichier CSV"),
        ("fake.xlsx", b"PK\x03\x04garbage", "ne peut pas être lu"),
    ):
        with pytest.raises(ImportFileError, match=message):
            read_table(name, content)
