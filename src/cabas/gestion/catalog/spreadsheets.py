"""Products as spreadsheets: the export (CSV and XLSX), reading an uploaded file safely, and the
line-by-line verdict of an import (what it would create or change, what is wrong), in French.

The import accepts the export's own format, so that a shop can export, edit in a spreadsheet
program and import back. Applying an import is in ``services.product_import_apply``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cabas.gestion.catalog.models import Barcode, Category, Origin, Product, Unit, VatRate
from cabas.gestion.catalog.parsing import format_amount, format_percent, parse_euros, parse_percent
from cabas.gestion.catalog.services import barcode_kind_of, search_key
from cabas.gestion.stores.models import Store
from cabas.rules import barcodes as barcode_rules
from cabas.rules.money import format_euros
from cabas.rules.pricing import format_rate

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 40
MAX_CELL_CHARS = 500
MAX_XLSX_UNCOMPRESSED = 40 * 1024 * 1024

COLUMNS = [
    "reference",
    "nom",
    "marque",
    "rayon",
    "sous_rayon",
    "unite",
    "prix",
    "cout",
    "tva",
    "provenance",
    "programme",
    "taux_participation",
    "stock_min",
    "stock_max",
    "actif",
    "codes_barres",
    "stock",
]
REQUIRED_COLUMNS = ("nom", "rayon", "prix")
# Export-only: the stock level is the ledger's, an import never writes it.
IGNORED_ON_IMPORT = ("stock",)

ORIGIN_WORDS = {
    "achat": Origin.PURCHASE,
    "purchase": Origin.PURCHASE,
    "don": Origin.DONATION,
    "donation": Origin.DONATION,
    "programme": Origin.PROGRAMME,
    "programme d'aide": Origin.PROGRAMME,
}
ORIGIN_EXPORT = {Origin.PURCHASE: "achat", Origin.DONATION: "don", Origin.PROGRAMME: "programme"}
UNIT_WORDS = {
    "piece": Unit.PIECE,
    "pièce": Unit.PIECE,
    "pc": Unit.PIECE,
    "u": Unit.PIECE,
    "unite": Unit.PIECE,
    "unité": Unit.PIECE,
    "kg": Unit.KG,
    "kilo": Unit.KG,
    "au kilo": Unit.KG,
}
YES = {"oui", "o", "1", "vrai", "true", "yes", "actif"}
NO = {"non", "n", "0", "faux", "false", "no", "archivé", "archive"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(ValueError):
    """The file cannot be read at all (French message for the person who sent it)."""


# --- export -------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet program would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(store: Store, *, numbers: bool) -> Iterator[list[Any]]:
    """Every product of the shop, archived ones too, in the import's format.

    With ``numbers`` (XLSX) amounts are numbers, else French decimal text ("1,35").
    """
    products = (
        Product.objects.filter(store=store)
        .select_related("category", "category__parent")
        .prefetch_related("barcodes")
        .order_by("pk")
    )
    for product in products.iterator(chunk_size=1000):
        category = product.category
        rayon, sous_rayon = (
            (category.parent.name, category.name) if category.parent else (category.name, "")
        )

        def amount(cents: int | None) -> Any:
            if cents is None:
                return ""
            return cents / 100 if numbers else format_amount(cents)

        def percent(bp: int | None) -> Any:
            if bp is None:
                return ""
            return bp / 100 if numbers else format_percent(bp)

        row = [
            product.pk,
            product.name,
            product.brand,
            rayon,
            sous_rayon,
            product.unit,
            amount(product.price_cents),
            amount(product.cost_cents),
            percent(product.vat_rate_bp),
            ORIGIN_EXPORT.get(Origin(product.origin), product.origin),
            product.programme,
            percent(product.rate_bp),
            "" if product.min_stock is None else product.min_stock,
            "" if product.max_stock is None else product.max_stock,
            "oui" if product.active else "non",
            " ".join(barcode.code for barcode in product.barcodes.all()),
            product.stock_qty,
        ]
        yield [neutralise(value) for value in row]


def export_csv(store: Store) -> bytes:
    """UTF-8 with a BOM and semicolons: what French spreadsheet programs open directly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(export_rows(store, numbers=False))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(store: Store) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Produits")
    sheet.append(COLUMNS)
    for row in export_rows(store, numbers=True):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading an uploaded file ---------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_table(filename: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    """(header, rows of text cells) of a CSV or XLSX file; ImportFileError if unreadable."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportFileError("Le fichier dépasse 2 Mo : coupez-le en plusieurs fichiers.")
    if not content.strip():
        raise ImportFileError("Le fichier est vide.")
    if content[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx"):
        table = _read_xlsx(content)
    else:
        table = _read_csv(content)
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise ImportFileError("Le fichier ne contient aucune ligne.")
    header, rows = table[0], table[1:]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            f"Le fichier compte {len(rows)} lignes ; {MAX_ROWS} au plus par import."
        )
    return header, rows


def _checked_row(cells: Sequence[Any]) -> list[str]:
    row = [_cell_text(cell) for cell in cells]
    while len(row) > MAX_COLUMNS and not row[-1].strip():
        row.pop()
    if len(row) > MAX_COLUMNS:
        raise ImportFileError(f"Le fichier a plus de {MAX_COLUMNS} colonnes.")
    if any(len(cell) > MAX_CELL_CHARS for cell in row):
        raise ImportFileError(f"Une cellule dépasse {MAX_CELL_CHARS} caractères.")
    return row


def _read_csv(content: bytes) -> list[list[str]]:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16, tabs
        content = content.decode("utf-16", errors="replace").encode("utf-8")
    elif b"\x00" in content:  # an executable, an image, UTF-16 without its mark…
        raise ImportFileError("Ce fichier n'est pas un fichier CSV ou Excel (.xlsx).")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ImportFileError("Encodage du fichier non reconnu : enregistrez-le en UTF-8.")
    if "\x00" in text:
        raise ImportFileError("Ce fichier n'est pas un fichier CSV ou Excel (.xlsx).")
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = []
        for index, row in enumerate(reader):
            if index > MAX_ROWS + 1:
                raise ImportFileError(f"Le fichier compte plus de {MAX_ROWS} lignes.")
            rows.append(_checked_row(row))
        return rows
    except csv.Error as error:
        raise ImportFileError(f"Le fichier CSV est mal formé : {error}.") from error


def _read_xlsx(content: bytes) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > MAX_XLSX_UNCOMPRESSED:
                raise ImportFileError("Le fichier Excel est trop volumineux une fois décompressé.")
    except zipfile.BadZipFile as error:
        raise ImportFileError("Ce fichier n'est pas un fichier Excel (.xlsx) valide.") from error
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for index, cells in enumerate(sheet.iter_rows(values_only=True)):
                if index > MAX_ROWS + 1:
                    raise ImportFileError(f"Le fichier compte plus de {MAX_ROWS} lignes.")
                rows.append(_checked_row(cells))
            return rows
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as error:  # noqa: BLE001 - any parser failure is a bad file, never a 500
        raise ImportFileError(
            "Le fichier Excel n'a pas pu être lu : enregistrez-le au format .xlsx."
        ) from error


# --- verdicts -----------------------------------------------------------------------------


@dataclass
class LineVerdict:
    line: int
    """The line number in the file (the header is line 1)."""
    action: str = "create"
    """"create", "update", "unchanged" or "error"."""
    name: str = ""
    errors: list[str] = field(default_factory=list)
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    product_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    """Validated product fields (PRODUCT_FIELDS names; "category" is a Category)."""
    barcodes: list[str] = field(default_factory=list)
    """Normalised codes to attach (those the product does not have yet)."""
    active: bool | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    lines: list[LineVerdict]
    unknown_columns: list[str]

    @property
    def errors(self) -> list[LineVerdict]:
        return [line for line in self.lines if not line.ok]

    @property
    def valid(self) -> list[LineVerdict]:
        return [line for line in self.lines if line.ok]

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)


def _column_key(title: str) -> str:
    return search_key(title).replace(" ", "_").replace("-", "_").strip("_")


COLUMN_ALIASES = {
    "id": "reference",
    "ref": "reference",
    "nom_du_produit": "nom",
    "produit": "nom",
    "sous_rayon": "sous_rayon",
    "sousrayon": "sous_rayon",
    "unite": "unite",
    "prix_plein": "prix",
    "prix_de_vente": "prix",
    "cout_d'achat": "cout",
    "cout_achat": "cout",
    "taux": "taux_participation",
    "code_barres": "codes_barres",
    "code_barre": "codes_barres",
    "codes_barre": "codes_barres",
    "ean": "codes_barres",
}


def _map_header(header: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    mapping: dict[str, int] = {}
    unknown: list[str] = []
    for index, title in enumerate(header):
        key = _column_key(title.lstrip("'"))
        key = COLUMN_ALIASES.get(key, key)
        if key in COLUMNS and key not in mapping:
            mapping[key] = index
        elif title.strip():
            unknown.append(title.strip())
    missing = [column for column in REQUIRED_COLUMNS if column not in mapping]
    if missing:
        raise ImportFileError(
            "Colonnes obligatoires absentes : "
            + ", ".join(missing)
            + ". La première ligne doit nommer les colonnes, comme dans l'export."
        )
    return mapping, unknown


def _unquote(text: str) -> str:
    """Undo the export's formula neutralisation ("'=x" → "=x")."""
    text = text.strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def _split_codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").replace(";", " ").split() if code]


def _numeric_code(code: str) -> str:
    """A code a spreadsheet turned into a number lost its leading zeros: put them back."""
    if code.isdigit() and len(code) < 13 and not barcode_rules.is_valid_gtin(code):
        for width in (8, 12, 13):
            padded = code.zfill(width)
            if len(padded) == width and barcode_rules.is_valid_gtin(padded):
                return padded
    return code


def _int_or_none(text: str, what: str, errors: list[str]) -> int | None:
    if not text:
        return None
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if not cleaned.isdigit():
        errors.append(f"{what} « {text} » doit être un nombre entier positif.")
        return None
    return int(cleaned)


CHANGE_LABELS = {"active": "actif", "barcodes": "codes-barres"}


def change_label(field_name: str) -> str:
    """The French name of a product field, for the preview ("price_cents" → "prix plein")."""
    if field_name in CHANGE_LABELS:
        return CHANGE_LABELS[field_name]
    return str(getattr(Product._meta.get_field(field_name), "verbose_name", field_name))


def _display(field_name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field_name in ("price_cents", "cost_cents"):
        return format_euros(value)
    if field_name in ("vat_rate_bp", "rate_bp"):
        return format_rate(value)
    if field_name == "unit":
        return str(Unit(value).label)
    if field_name == "origin":
        return str(Origin(value).label)
    return str(value)


def build_report(
    store: Store, header: Sequence[str], rows: Sequence[Sequence[str]]
) -> ImportReport:
    """Judge every line against the shop's catalogue as it is now (a handful of queries)."""
    mapping, unknown = _map_header(header)
    categories = list(Category.objects.filter(store=store).select_related("parent"))
    rayons = {search_key(c.name): c for c in categories if c.parent_id is None}
    sous_rayons = {
        (c.parent_id, search_key(c.name)): c for c in categories if c.parent_id is not None
    }

    def cell(row: Sequence[str], column: str) -> str:
        index = mapping.get(column)
        if index is None or index >= len(row):
            return ""
        return _unquote(row[index])

    references = {cell(row, "reference") for row in rows} - {""}
    ref_ids = {int(ref) for ref in references if ref.isdigit() and len(ref) < 18}
    products = {
        p.pk: p
        for p in Product.objects.filter(store=store, pk__in=ref_ids)
        .select_related("category", "category__parent")
        .prefetch_related("barcodes")
    }
    all_codes = {
        barcode_rules.normalize(_numeric_code(code))
        for row in rows
        for code in _split_codes(cell(row, "codes_barres"))
    }
    owners = dict(
        Barcode.objects.filter(store=store, code__in=all_codes).values_list("code", "product_id")
    )
    layout_cache: list[barcode_rules.ScaleLayout] = []

    def layout() -> barcode_rules.ScaleLayout:
        if not layout_cache:
            from cabas.gestion.catalog.selectors import scale_layout_for

            layout_cache.append(scale_layout_for(store))
        return layout_cache[0]

    seen_refs: dict[int, int] = {}
    seen_codes: dict[str, int] = {}
    lines: list[LineVerdict] = []
    for offset, row in enumerate(rows):
        verdict = LineVerdict(line=offset + 2)
        errors = verdict.errors
        values: dict[str, Any] = {}
        name = " ".join(cell(row, "nom").split())
        verdict.name = name
        if not name:
            errors.append("Le nom du produit est vide.")
        elif len(name) > 120:
            errors.append("Le nom dépasse 120 caractères.")
        values["name"] = name
        if "marque" in mapping:
            brand = " ".join(cell(row, "marque").split())
            if len(brand) > 80:
                errors.append("La marque dépasse 80 caractères.")
            values["brand"] = brand

        # Category: the rayon, and the sous-rayon if given, must exist in the shop.
        rayon_name, sous_name = cell(row, "rayon"), cell(row, "sous_rayon")
        rayon = rayons.get(search_key(rayon_name))
        if not rayon_name:
            errors.append("Le rayon est vide.")
        elif rayon is None:
            errors.append(f"Rayon inconnu : « {rayon_name} ». Créez-le d'abord dans Rayons.")
        elif sous_name:
            category = sous_rayons.get((rayon.pk, search_key(sous_name)))
            if category is None:
                errors.append(f"Sous-rayon inconnu : « {sous_name} » dans « {rayon.name} ».")
            else:
                values["category"] = category
        else:
            values["category"] = rayon

        try:
            values["price_cents"] = parse_euros(cell(row, "prix"))
        except ValueError as error:
            errors.append(f"Prix : {error}")
        if "cout" in mapping:
            text = cell(row, "cout")
            try:
                values["cost_cents"] = parse_euros(text) if text else 0
            except ValueError as error:
                errors.append(f"Coût : {error}")
        if "unite" in mapping:
            text = cell(row, "unite")
            unit = UNIT_WORDS.get(text.casefold()) if text else Unit.PIECE
            if unit is None:
                errors.append(f"Unité « {text} » inconnue : « piece » ou « kg ».")
            else:
                values["unit"] = unit
        if "tva" in mapping and cell(row, "tva"):
            text = cell(row, "tva")
            try:
                vat = parse_percent(text)
            except ValueError as error:
                errors.append(f"TVA : {error}")
            else:
                if vat not in VatRate.values:
                    errors.append(f"TVA « {text} » : taux possibles 0 ; 2,1 ; 5,5 ; 10 ; 20.")
                else:
                    values["vat_rate_bp"] = vat
        if "provenance" in mapping:
            text = cell(row, "provenance")
            origin = ORIGIN_WORDS.get(text.casefold()) if text else Origin.PURCHASE
            if origin is None:
                errors.append(f"Provenance « {text} » inconnue : achat, don ou programme.")
            else:
                values["origin"] = origin
        if "programme" in mapping:
            programme = cell(row, "programme")
            if len(programme) > 20:
                errors.append("Le code du programme dépasse 20 caractères.")
            values["programme"] = programme
        if "taux_participation" in mapping:
            text = cell(row, "taux_participation")
            try:
                values["rate_bp"] = parse_percent(text) if text else None
            except ValueError as error:
                errors.append(f"Taux de participation : {error}")
        for column, field_name, what in (
            ("stock_min", "min_stock", "Le stock minimum"),
            ("stock_max", "max_stock", "Le stock maximum"),
        ):
            if column in mapping:
                values[field_name] = _int_or_none(cell(row, column), what, errors)
        if "actif" in mapping and cell(row, "actif"):
            text = cell(row, "actif").casefold()
            if text in YES:
                verdict.active = True
            elif text in NO:
                verdict.active = False
            else:
                errors.append(f"Actif « {cell(row, 'actif')} » : « oui » ou « non ».")

        # Which product: the reference if given, else one of its barcodes, else a new one.
        product: Product | None = None
        reference = cell(row, "reference")
        if reference:
            ref_id = int(reference) if reference.isdigit() and len(reference) < 18 else None
            product = products.get(ref_id) if ref_id is not None else None
            if product is None:
                errors.append(f"Référence « {reference} » : aucun produit de l'épicerie.")
            elif ref_id in seen_refs:
                errors.append(f"La référence {reference} figure déjà ligne {seen_refs[ref_id]}.")
            else:
                seen_refs[product.pk] = verdict.line
        codes: list[str] = []
        for raw in _split_codes(cell(row, "codes_barres")):
            code = barcode_rules.normalize(_numeric_code(raw))
            try:
                barcode_kind_of(code, layout())
            except Exception as error:  # noqa: BLE001 - ValidationError with a French message
                messages = getattr(error, "messages", [str(error)])
                errors.append(f"Code-barres : {messages[0]}")
                continue
            if code in seen_codes:
                errors.append(f"Le code-barres {code} figure déjà ligne {seen_codes[code]}.")
                continue
            seen_codes[code] = verdict.line
            codes.append(code)
        if product is None and not reference:
            matched = {owners[code] for code in codes if code in owners}
            if len(matched) > 1:
                errors.append("Ces codes-barres désignent plusieurs produits différents.")
            elif matched:
                product_id = matched.pop()
                product = products.get(product_id) or (
                    Product.objects.select_related("category", "category__parent")
                    .prefetch_related("barcodes")
                    .get(pk=product_id)
                )
                products[product.pk] = product
                if product.pk in seen_refs:
                    errors.append(
                        f"Ce code-barres est celui de « {product.name} », qui figure déjà "
                        f"ligne {seen_refs[product.pk]}."
                    )
                seen_refs[product.pk] = verdict.line
        for code in codes:
            owner = owners.get(code)
            if owner is not None and (product is None or owner != product.pk):
                errors.append(f"Le code-barres {code} appartient déjà à un autre produit.")
        verdict.barcodes = [code for code in codes if owners.get(code) is None]

        # Cross-field rules (the same as the product form's).
        origin = values.get("origin", product.origin if product else Origin.PURCHASE)
        programme = values.get("programme", product.programme if product else "")
        if origin == Origin.PROGRAMME and not programme:
            errors.append("Provenance « programme » : indiquez le programme (FSE+, CNES…).")
        if origin != Origin.PROGRAMME and programme:
            errors.append("Un programme ne s'indique que pour la provenance « programme ».")
        low = values.get("min_stock", product.min_stock if product else None)
        high = values.get("max_stock", product.max_stock if product else None)
        if low is not None and high is not None and low > high:
            errors.append("Le stock maximum est inférieur au stock minimum.")

        verdict.values = values
        if product is not None:
            verdict.product_id = product.pk
            for key, value in values.items():
                old = getattr(product, key)
                if old != value:
                    verdict.changes[change_label(key)] = (
                        _display(key, old),
                        _display(key, value),
                    )
            if verdict.active is not None and verdict.active != product.active:
                verdict.changes[change_label("active")] = (
                    "oui" if product.active else "non",
                    "oui" if verdict.active else "non",
                )
            if verdict.barcodes:
                verdict.changes[change_label("barcodes")] = ("", " ".join(verdict.barcodes))
            verdict.action = "update" if verdict.changes else "unchanged"
        if errors:
            verdict.action = "error"
        lines.append(verdict)
    return ImportReport(lines=lines, unknown_columns=unknown)


def iter_valid(report: ImportReport) -> Iterable[LineVerdict]:
    return (line for line in report.lines if line.ok and line.action != "unchanged")
