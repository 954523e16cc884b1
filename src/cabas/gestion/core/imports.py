"""Spreadsheet imports with a preview, shared by every app that imports rows (households,
products, …): read a CSV or XLSX file, validate every line with French messages naming the
line, show the result, then apply either all lines (only when every line is valid) or the
valid lines only, in one transaction. Nothing is written before the person confirms.

An app describes its import with an :class:`Importer` (columns, one-line validation, apply)
and calls :func:`import_step` from its view; the file's raw rows wait in the session between
the preview and the confirmation and are validated again on confirmation.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 40
MAX_CELL_CHARS = 5000
MAX_XLSX_UNCOMPRESSED = 40 * 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be read at all (French message)."""


def column_key(name: object) -> str:
    """A header as a key: lower case, no accents, words joined by underscores."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    return "_".join(text.lower().replace("-", " ").replace("'", " ").split())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(name: str, content: bytes) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8 or Windows-1252; ";", "," or tab separated) or XLSX file, as
    {column key: text}; raises ImportFileError. Guarded against oversized files, zip bombs,
    absurd widths and cells, and parser failures (a bad file is a message, never a 500)."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("Le fichier dépasse 5 Mo."))
    if not content.strip():
        raise ImportFileError(_("Le fichier est vide."))
    rows: list[list[str]]
    if content[:4] == b"PK\x03\x04" or name.lower().endswith(".xlsx"):
        rows = _read_xlsx(content)
    elif name.lower().endswith((".csv", ".txt")):
        rows = _read_csv(content)
    else:
        raise ImportFileError(_("Format non reconnu : envoyez un fichier .csv ou .xlsx."))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportFileError(_("Le fichier est vide."))
    header = [column_key(cell) for cell in rows[0]]
    if not any(header):
        raise ImportFileError(_("La première ligne doit donner le nom des colonnes."))
    if len(rows) == 1:
        raise ImportFileError(
            _("Le fichier ne contient aucune ligne après celle des noms de colonnes.")
        )
    return [
        {key: cells[i] if i < len(cells) else "" for i, key in enumerate(header) if key}
        for cells in rows[1:]
    ]


def _checked_row(cells: Sequence[object]) -> list[str]:
    row = [_cell(cell) for cell in cells]
    while len(row) > MAX_COLUMNS and not row[-1]:
        row.pop()
    if len(row) > MAX_COLUMNS:
        raise ImportFileError(_("Le fichier a plus de %(n)d colonnes.") % {"n": MAX_COLUMNS})
    if any(len(cell) > MAX_CELL_CHARS for cell in row):
        raise ImportFileError(_("Une cellule dépasse %(n)d caractères.") % {"n": MAX_CELL_CHARS})
    return row


def _too_many_rows() -> ImportFileError:
    return ImportFileError(_("Le fichier compte plus de %(n)d lignes.") % {"n": MAX_ROWS})


def _read_csv(content: bytes) -> list[list[str]]:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text": UTF-16, tabs
        text = content.decode("utf-16", errors="replace")
    elif b"\x00" in content:  # an executable, an image, UTF-16 without its mark…
        raise ImportFileError(_("Ce fichier n'est pas un fichier CSV ou Excel (.xlsx)."))
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise ImportFileError(_("Ce fichier n'est pas un fichier CSV ou Excel (.xlsx)."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    rows = []
    try:
        for index, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
            if index > MAX_ROWS:  # the header, then at most MAX_ROWS lines
                raise _too_many_rows()
            rows.append(_checked_row(row))
    except csv.Error as error:
        raise ImportFileError(_("Le fichier CSV est mal formé.")) from error
    return rows


def _read_xlsx(content: bytes) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise ImportFileError(
                    _("Le fichier Excel est trop volumineux une fois décompressé.")
                )
    except zipfile.BadZipFile as error:
        raise ImportFileError(_("Ce fichier Excel ne peut pas être lu.")) from error
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            rows = []
            for index, cells in enumerate(workbook.worksheets[0].iter_rows(values_only=True)):
                if index > MAX_ROWS:  # the header, then at most MAX_ROWS lines
                    raise _too_many_rows()
                rows.append(_checked_row(cells))
            return rows
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as error:  # noqa: BLE001 - any parser failure is a bad file, never a 500
        raise ImportFileError(_("Ce fichier Excel ne peut pas être lu.")) from error


class Importer(Protocol):
    """What an app provides to import one kind of row."""

    name: str
    """Short key (session storage, templates)."""
    columns: Mapping[str, Any]
    """Column key → French description, in the order of the template file."""
    required: Sequence[str]

    def validate(self, row: Mapping[str, str], context: dict[str, Any]) -> dict[str, Any]:
        """Clean one line (raise ValidationError with French messages). `context` is shared
        by the lines of one file (to spot duplicates within it)."""
        ...

    def apply(self, cleaned: list[dict[str, Any]]) -> int:
        """Write the cleaned lines; runs inside the import's transaction."""
        ...


@dataclass
class ImportLine:
    number: int
    """The line's number in the file (the header is line 1)."""
    raw: dict[str, str]
    cleaned: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    lines: list[ImportLine]
    missing_columns: list[str]
    unknown_columns: list[str]

    @property
    def valid(self) -> list[ImportLine]:
        return [line for line in self.lines if line.ok]

    @property
    def invalid(self) -> list[ImportLine]:
        return [line for line in self.lines if not line.ok]

    @property
    def all_valid(self) -> bool:
        return not self.missing_columns and not self.invalid


def preview(importer: Importer, rows: list[dict[str, str]]) -> ImportPreview:
    """Validate every line; nothing is written."""
    present = set(rows[0]) if rows else set()
    missing = [c for c in importer.required if c not in present]
    unknown = sorted(present - set(importer.columns))
    context: dict[str, Any] = {}
    lines = []
    for index, row in enumerate(rows, start=2):
        line = ImportLine(number=index, raw=row)
        if missing:
            line.errors.append(_("Colonne(s) manquante(s) : %(c)s.") % {"c": ", ".join(missing)})
        else:
            try:
                line.cleaned = importer.validate(row, context)
            except ValidationError as error:
                line.errors.extend(error.messages)
        lines.append(line)
    return ImportPreview(lines, missing, unknown)


@transaction.atomic
def apply(importer: Importer, result: ImportPreview, *, valid_only: bool) -> int:
    """Write all lines (only if all are valid) or the valid ones only."""
    if not valid_only and not result.all_valid:
        raise ValidationError(
            _(
                "Le fichier contient des erreurs : corrigez-les ou importez "
                "seulement les lignes valides."
            )
        )
    return importer.apply([line.cleaned for line in result.valid if line.cleaned is not None])


@dataclass
class ImportStep:
    """Where an import stands for the view: a preview to show, or lines written."""

    preview: ImportPreview | None = None
    applied: int | None = None
    error: str = ""


def import_step(request: HttpRequest, importer: Importer) -> ImportStep:
    """Drive the two steps from a view: a POST with a file previews it (and keeps its rows in
    the session); a POST with ``confirm`` = ``all`` or ``valid`` validates the kept rows again
    and applies them; ``cancel`` forgets them."""
    key = f"cabas-import:{importer.name}"
    if request.method != "POST":
        return ImportStep()
    if "cancel" in request.POST:
        request.session.pop(key, None)
        return ImportStep()
    mode = request.POST.get("confirm")
    if mode in ("all", "valid"):
        rows = request.session.get(key)
        if not rows:
            return ImportStep(error=_("Aucun fichier en attente : envoyez-le à nouveau."))
        result = preview(importer, rows)
        try:
            count = apply(importer, result, valid_only=mode == "valid")
        except ValidationError as error:
            return ImportStep(preview=result, error=" ".join(error.messages))
        request.session.pop(key, None)
        return ImportStep(applied=count)
    upload = request.FILES.get("file")
    if upload is None:
        return ImportStep(error=_("Choisissez un fichier."))
    # Refuse an oversized file before reading it: Django keeps a big upload in a temporary
    # file, and reading it whole would put it all in memory only to refuse it.
    if upload.size is None or upload.size > MAX_BYTES:
        return ImportStep(error=_("Le fichier dépasse 5 Mo."))
    try:
        rows = read_table(upload.name or "", upload.read())
    except ImportFileError as error:
        return ImportStep(error=str(error))
    request.session[key] = rows
    return ImportStep(preview=preview(importer, rows))


def template_csv(importer: Importer) -> str:
    """A CSV with the importer's header line, to fill in."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow(list(importer.columns))
    return buffer.getvalue()
