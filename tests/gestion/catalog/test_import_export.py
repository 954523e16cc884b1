from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from cabas.gestion import imports
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.catalog import spreadsheets
from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import barcode_attach, category_create, product_create
from cabas.gestion.core.models import PendingImport


@pytest.fixture
def catalogue(world, rayon):  # type: ignore[no-untyped-def]
    rice = product_create(
        store=world.store_a,
        actor=world.alice,
        name="Riz long 1 kg",
        category=rayon,
        price_cents=189,
        cost_cents=120,
        brand="Taureau",
        min_stock=5,
        max_stock=50,
    )
    barcode_attach(product=rice, code="3017620422003")
    weird = product_create(
        store=world.store_a,
        actor=world.alice,
        name='=HYPERLINK("x")',
        category=rayon,
        price_cents=100,
        brand="@marque",
        origin="programme",
        programme="FSE+",
        rate_bp=1250,
    )
    return rice, weird


def xlsx_bytes(rows):  # type: ignore[no-untyped-def]
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def importer(world):  # type: ignore[no-untyped-def]
    return spreadsheets.ProductImporter(store=world.store_a, actor=world.alice)


def report_for(world, content, filename="produits.csv"):  # type: ignore[no-untyped-def]
    pending = imports.pending_import_create(
        importer=importer(world), filename=filename, content=content
    )
    return pending, imports.preview(importer(world), pending.rows)


def apply(world, pending, *, only_valid):  # type: ignore[no-untyped-def]
    return imports.pending_import_apply(
        importer=importer(world), pending=pending, valid_only=only_valid
    )


def test_the_csv_export_lists_every_product_and_neutralises_formulas(world, catalogue):
    text = spreadsheets.export_csv(world.store_a).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == spreadsheets.COLUMNS
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Riz long 1 kg"][6:8] == ["1,89", "1,20"]
    assert by_name["Riz long 1 kg"][15] == "3017620422003"
    assert '\'=HYPERLINK("x")' in by_name
    assert by_name['\'=HYPERLINK("x")'][2] == "'@marque"


def test_the_xlsx_export_reads_back_with_openpyxl_and_neutralises_formulas(world, catalogue):
    sheet = load_workbook(io.BytesIO(spreadsheets.export_xlsx(world.store_a))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == spreadsheets.COLUMNS
    names = {row[1] for row in rows[1:]}
    assert names == {"Riz long 1 kg", '\'=HYPERLINK("x")'}
    for row in rows[1:]:
        for value in row:
            assert not (isinstance(value, str) and value[:1] in "=+-@")
    rice = next(row for row in rows if row[1] == "Riz long 1 kg")
    assert rice[6] == 1.89 and rice[15] == "3017620422003"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_without_any_change(world, catalogue, fmt):
    content = getattr(spreadsheets, f"export_{fmt}")(world.store_a)
    _import, report = report_for(world, content, f"export.{fmt}")
    assert [line.errors for line in report.lines] == [[], []]
    assert {line.action for line in report.lines} == {"unchanged"}


def test_the_export_page_downloads_both_formats(alice_client, world, catalogue):
    response = alice_client.get("/produits/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert load_workbook(io.BytesIO(response.content)).active.max_row == 3
    response = alice_client.get("/produits/export.csv")
    assert "attachment" in response["Content-Disposition"]
    assert alice_client.get("/produits/export.pdf").status_code == 404


def test_the_preview_says_what_changes_and_what_is_wrong_line_by_line(world, catalogue):
    rice, _weird = catalogue
    content = (
        "reference;nom;rayon;sous_rayon;prix;codes_barres;unite\n"
        f"{rice.pk};Riz long 1 kg;Épicerie salée;Pâtes, riz;1,99;;piece\n"
        ";Lentilles;Épicerie salée;Pâtes, riz;1,79;3017620422010;piece\n"
        ";Haricots;Jardin;;1,00;;piece\n"
        ";Pois;Épicerie salée;Pâtes, riz;abc;;piece\n"
        ";Maïs;Épicerie salée;Pâtes, riz;0,99;3017620422004;piece\n"
        ";Fèves;Épicerie salée;Pâtes, riz;0,99;3017620422003;piece\n"
        ";Quinoa;Épicerie salée;Pâtes, riz;2,50;;litre\n"
    ).encode()
    _import, report = report_for(world, content)
    verdicts = {line.number: line for line in report.lines}
    assert verdicts[2].action == "update"
    assert verdicts[2].changes == {"prix plein": ("1,89\u00a0€", "1,99\u00a0€")}
    assert verdicts[3].action == "create" and verdicts[3].cleaned["barcodes"] == ["3017620422010"]
    assert "Rayon inconnu : « Jardin »" in verdicts[4].errors[0]
    assert verdicts[5].errors[0].startswith("Prix : « abc » n'est pas un montant")
    assert "clé de contrôle fausse" in verdicts[6].errors[0]
    assert "celui de « Riz long 1 kg », qui figure déjà ligne 2" in verdicts[7].errors[0]
    assert "Unité « litre » inconnue" in verdicts[8].errors[0]


def test_a_file_with_errors_changes_nothing(world, catalogue):
    rice, _weird = catalogue
    content = (
        "reference;nom;rayon;sous_rayon;prix\n"
        f"{rice.pk};Riz long 1 kg;Épicerie salée;Pâtes, riz;2,49\n"
        ";Lentilles;Épicerie salée;Pâtes, riz;1,79\n"
        ";Haricots;Épicerie salée;Pâtes, riz;-1\n"
    ).encode()
    product_import, _report = report_for(world, content)
    before = list(Product.objects.values_list("pk", "name", "price_cents").order_by("pk"))
    with pytest.raises(Exception) as error:
        apply(world, product_import, only_valid=False)
    assert "rien n'a été importé" in str(error.value)
    assert list(Product.objects.values_list("pk", "name", "price_cents").order_by("pk")) == before
    assert PendingImport.objects.get().status == PendingImport.Status.PENDING


def test_valid_lines_only_applies_exactly_those(world, catalogue):
    rice, _weird = catalogue
    content = (
        "reference;nom;rayon;sous_rayon;prix;codes_barres;actif\n"
        f"{rice.pk};Riz long 1 kg;Épicerie salée;Pâtes, riz;2,49;;oui\n"
        ";Lentilles;Épicerie salée;Pâtes, riz;1,79;3017620422010;oui\n"
        ";Haricots;Épicerie salée;Pâtes, riz;-1;;oui\n"
    ).encode()
    product_import, _report = report_for(world, content)
    applied = apply(world, product_import, only_valid=True)
    assert applied == 2
    rice.refresh_from_db()
    assert rice.price_cents == 249
    lentils = Product.objects.get(name="Lentilles")
    assert [b.code for b in lentils.barcodes.all()] == ["3017620422010"]
    assert not Product.objects.filter(name="Haricots").exists()
    assert AuditEvent.objects.filter(action="catalog.products_imported").count() == 1
    with pytest.raises(Exception, match="déjà été appliqué"):
        apply(world, product_import, only_valid=True)


def test_the_import_pages_preview_then_apply(alice_client, world, catalogue):
    content = "nom;rayon;sous_rayon;prix\nLentilles;Épicerie salée;Pâtes, riz;1,79\n".encode()
    upload = io.BytesIO(content)
    upload.name = "produits.csv"
    response = alice_client.post("/produits/import/", {"file": upload})
    assert response.status_code == 302
    preview = alice_client.get(response["Location"]).content.decode()
    assert "1 création" in preview and "Lentilles" in preview
    assert not Product.objects.filter(name="Lentilles").exists()
    done = alice_client.post(response["Location"] + "confirmer/", {"action": "all"}, follow=True)
    assert "1 produit créé ou modifié." in done.content.decode()
    assert Product.objects.filter(name="Lentilles", price_cents=179).exists()


def test_an_xlsx_import_with_numbers_in_cells_works(world, catalogue):
    content = xlsx_bytes(
        [
            ["Nom", "Rayon", "Sous-rayon", "Prix", "Codes-barres", "TVA"],
            ["Lentilles", "Épicerie salée", "Pâtes, riz", 1.79, 3017620422010, 5.5],
            ["Upc", "Épicerie salée", "Pâtes, riz", 2, 36000291452, 20],
        ]
    )
    _import, report = report_for(world, content, "produits.xlsx")
    assert [line.errors for line in report.lines] == [[], []]
    assert report.lines[0].cleaned["values"]["price_cents"] == 179
    assert report.lines[0].cleaned["values"]["vat_rate_bp"] == 550
    # A UPC-A that lost its leading zero in a spreadsheet is recovered.
    assert report.lines[1].cleaned["barcodes"] == ["0036000291452"]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("x.csv", b"", "vide"),
        ("x.csv", b"\x00\x01binary\x00", "pas un fichier CSV"),
        ("x.xlsx", b"PK\x03\x04not really a zip", "pas un fichier Excel"),
        ("x.csv", b"a;b;c\n1;2;3\n", "Colonnes obligatoires absentes"),
        ("x.csv", b"nom;rayon;prix\n" + b"x;y;1\n" * 5001, "5000"),
        ("x.csv", b"nom;rayon;prix\n" + b"x" * 600 + b";y;1\n", "500 caractères"),
        ("x.csv", b"nom;rayon;prix\n" + b"a;" * 3_000_000, "2 Mo"),
    ],
)
def test_hostile_or_broken_files_get_a_french_error(world, filename, content, message):
    with pytest.raises(imports.ImportFileError, match=message):
        imports.pending_import_create(importer=importer(world), filename=filename, content=content)
    assert not PendingImport.objects.exists()


def test_a_zip_bomb_disguised_as_xlsx_is_refused(world):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    with pytest.raises(imports.ImportFileError, match="trop volumineux"):
        imports.pending_import_create(
            importer=importer(world), filename="bomb.xlsx", content=buffer.getvalue()
        )


def test_the_upload_page_shows_the_file_error_in_french(alice_client, world):
    upload = io.BytesIO(b"\x00\x00\x00")
    upload.name = "photo.jpg"
    response = alice_client.post("/produits/import/", {"file": upload})
    assert "pas un fichier CSV ou Excel" in response.content.decode()


def test_a_barcode_of_another_product_given_with_a_reference_is_an_error(world, catalogue):
    _rice, weird = catalogue
    content = (
        f"reference;nom;rayon;prix;codes_barres\n{weird.pk};X;Épicerie salée;1;3017620422003\n"
    )
    _import, report = report_for(world, content.encode())
    assert "appartient déjà à un autre produit" in report.lines[0].errors[0]


def test_an_unknown_sous_rayon_and_a_category_of_another_shop_are_errors(world, catalogue):
    category_create(store=world.store_b, name="Boissons")
    content = (
        "nom;rayon;sous_rayon;prix\nEau;Boissons;;0,30\nRiz;Épicerie salée;Riz et pâtes;1,00\n"
    ).encode()
    _import, report = report_for(world, content)
    assert "Rayon inconnu" in report.lines[0].errors[0]
    assert "Sous-rayon inconnu" in report.lines[1].errors[0]
