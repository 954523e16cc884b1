"""Spreadsheet imports with a preview, shared by every app that imports rows (products,
households, …): read a CSV or XLSX file, keep its cells in a :class:`PendingImport` of the shop,
validate every line with French messages naming the line, show the result, then apply either
all lines (only when every line is valid) or the valid lines only, in one transaction. Nothing
is written before the person confirms, and a file is applied at most once.

The file's cells (for households: names, phones, incomes, notes) are kept only while the file
waits: applying or cancelling it empties them (the import keeps its file name, status and
count), and :func:`pending_imports_purge` deletes files left unconfirmed for a day (each
upload and the nightly ``purge_beneficiaries`` call it).

An app describes its import with an :class:`Importer` (columns, one-line validation, apply).
Its views call :func:`upload` and :func:`confirm` (a preview page of its own, as the
catalogue's), or :func:`import_step` (upload, preview and confirmation on one page, as the
households'); both show the preview with the template ``includes/import_preview.html``.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record
from cabas.gestion.core.models import PendingImport
from cabas.gestion.stores.models import Store

MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
MAX_COLUMNS = 40
MAX_CELL_CHARS = 5000
MAX_XLSX_UNCOMPRESSED = 40 * 1024 * 1024
KEEP = timedelta(days=1)
"""How long an unconfirmed file waits before it is deleted (next upload or nightly purge)."""


class ImportFileError(ValueError):
    """The file cannot be read at all (French message for the person who sent it)."""


# --- reading a file -------------------------------------------------------------------------


def column_key(name: object) -> str:
    """A header as a key: lower case, no accents, words joined by underscores."""
    text = unicodedata.normalize("NFKD", str(name or "").lstrip("'"))
    text = text.encode("ascii", "ignore").decode()
    return "_".join(text.lower().replace("-", " ").replace("'", " ").split())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(
    name: str, content: bytes, *, max_cell_chars: int = MAX_CELL_CHARS
) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8 or Windows-1252; ";", "," or tab separated) or XLSX file, as
    {column key: text}; raises ImportFileError. Guarded against oversized files, zip bombs,
    absurd widths and cells, and parser failures (a bad file is a message, never a 500)."""
    if len(content) > MAX_BYTES:
        raise _too_big()
    if not content.strip():
        raise ImportFileError(_("Le fichier est vide."))
    rows: list[list[str]]
    if content[:4] == b"PK\x03\x04" or name.lower().endswith(".xlsx"):
        rows = _read_xlsx(content, max_cell_chars)
    elif name.lower().endswith((".csv", ".txt")):
        rows = _read_csv(content, max_cell_chars)
    else:
        raise ImportFileError(
            _("Ce fichier n'est pas un fichier CSV ou Excel (.xlsx) : envoyez un .csv ou un .xlsx.")
        )
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
    # A column named twice: the first one counts.
    columns = [(i, key) for i, key in enumerate(header) if key and key not in header[:i]]
    return [{key: cells[i] if i < len(cells) else "" for i, key in columns} for cells in rows[1:]]


def _too_big() -> ImportFileError:
    return ImportFileError(
        _("Le fichier dépasse %(n)d Mo : coupez-le en plusieurs fichiers.")
        % {"n": MAX_BYTES // (1024 * 1024)}
    )


def _checked_row(cells: Sequence[object], max_cell_chars: int) -> list[str]:
    row = [_cell(cell) for cell in cells]
    while len(row) > MAX_COLUMNS and not row[-1]:
        row.pop()
    if len(row) > MAX_COLUMNS:
        raise ImportFileError(_("Le fichier a plus de %(n)d colonnes.") % {"n": MAX_COLUMNS})
    if any(len(cell) > max_cell_chars for cell in row):
        raise ImportFileError(_("Une cellule dépasse %(n)d caractères.") % {"n": max_cell_chars})
    return row


def _too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("Le fichier compte plus de %(n)d lignes : coupez-le en plusieurs fichiers.")
        % {"n": MAX_ROWS}
    )


def _read_csv(content: bytes, max_cell_chars: int) -> list[list[str]]:
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
            rows.append(_checked_row(row, max_cell_chars))
    except csv.Error as error:
        raise ImportFileError(_("Le fichier CSV est mal formé.")) from error
    return rows


def _unreadable_xlsx() -> ImportFileError:
    return ImportFileError(
        _(
            "Ce fichier Excel ne peut pas être lu : ce n'est pas un fichier Excel (.xlsx) "
            "valide. Enregistrez-le au format .xlsx ou .csv."
        )
    )


def _read_xlsx(content: bytes, max_cell_chars: int) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            # A zip bomb: a small file that would take gigabytes once opened.
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise ImportFileError(
                    _("Le fichier Excel est trop volumineux une fois décompressé.")
                )
    except zipfile.BadZipFile as error:
        raise _unreadable_xlsx() from error
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            rows = []
            for index, cells in enumerate(workbook.worksheets[0].iter_rows(values_only=True)):
                if index > MAX_ROWS:  # the header, then at most MAX_ROWS lines
                    raise _too_many_rows()
                rows.append(_checked_row(cells, max_cell_chars))
            return rows
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as error:
        raise _unreadable_xlsx() from error


# --- what an app provides -------------------------------------------------------------------


class Importer:
    """What an app provides to import one kind of row; subclasses set the class attributes and
    define :meth:`validate` and :meth:`apply`, and may override the other methods."""

    name: ClassVar[str]
    """Short key (the pending import's kind, the session)."""
    columns: ClassVar[Mapping[str, Any]]
    """Column key → French description, in the order of the template file."""
    required: ClassVar[Sequence[str]]
    aliases: ClassVar[Mapping[str, str]] = {}
    """Other headers people write → column key ("ean" → "codes_barres")."""
    max_cell_chars: ClassVar[int] = MAX_CELL_CHARS
    audit_action: ClassVar[str] = ""
    """The journal's action for an applied file ("" : the app's services record each row)."""

    store: Store
    actor: User | None

    def prepare(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        """The context shared by the lines of one file: what to read once for all lines, and
        room to spot repeats within the file."""
        return {}

    def validate(self, row: Mapping[str, str], context: dict[str, Any]) -> dict[str, Any]:
        """Clean one line (raise ValidationError with French messages); ``context`` is what
        :meth:`prepare` gave, with ``context["line"]`` the line's number in the file."""
        raise NotImplementedError

    def label(self, row: Mapping[str, str], cleaned: dict[str, Any] | None) -> str:
        """What the line is about, for the preview (a product's or a person's name);
        ``cleaned`` is None for a line in error."""
        return ""

    def describe(self, cleaned: dict[str, Any]) -> tuple[str, dict[str, tuple[str, str]]]:
        """What a valid line will do: "create", "update" or "unchanged", and for an update
        the changes {French field name: (before, after)}."""
        return "create", {}

    def apply(self, cleaned: list[dict[str, Any]]) -> int:
        """Write the cleaned lines (unchanged ones left out); runs inside the import's
        transaction. Returns how many rows were created or changed."""
        raise NotImplementedError


# --- the preview ----------------------------------------------------------------------------


@dataclass
class ImportLine:
    number: int
    """The line's number in the file (the header is line 1)."""
    raw: dict[str, str]
    label: str = ""
    cleaned: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    action: str = "error"
    """"create", "update", "unchanged" or "error"."""
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)

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
    def to_apply(self) -> list[ImportLine]:
        """The valid lines that change something."""
        return [line for line in self.lines if line.ok and line.action != "unchanged"]

    @property
    def all_valid(self) -> bool:
        return not self.missing_columns and not self.invalid

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)

    @property
    def creates(self) -> int:
        return self.count("create")

    @property
    def updates(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


def _renamed(importer: Importer, row: Mapping[str, str]) -> dict[str, str]:
    renamed: dict[str, str] = {}
    for key, value in row.items():
        renamed.setdefault(importer.aliases.get(key, key), value)
    return renamed


def preview(importer: Importer, rows: list[dict[str, str]]) -> ImportPreview:
    """Validate every line; nothing is written."""
    rows = [_renamed(importer, row) for row in rows]
    present = set(rows[0]) if rows else set()
    missing = [c for c in importer.required if c not in present]
    unknown = sorted(present - set(importer.columns))
    context = importer.prepare(rows) if rows and not missing else {}
    lines = []
    for index, row in enumerate(rows, start=2):
        line = ImportLine(number=index, raw=row)
        if missing:
            line.errors.append(_("Colonne(s) manquante(s) : %(c)s.") % {"c": ", ".join(missing)})
        else:
            context["line"] = index
            try:
                line.cleaned = importer.validate(row, context)
            except ValidationError as error:
                line.errors.extend(error.messages)
            else:
                line.action, line.changes = importer.describe(line.cleaned)
        line.label = importer.label(row, line.cleaned)
        lines.append(line)
    return ImportPreview(lines, missing, unknown)


# --- the pending file and its confirmation ---------------------------------------------------


def pending_import_create(*, importer: Importer, filename: str, content: bytes) -> PendingImport:
    """Read an uploaded file and keep its cells for the preview (nothing else changes).

    Raises ImportFileError (French) for a file that cannot be read or lacks a required column.
    """
    rows = read_table(filename, content, max_cell_chars=importer.max_cell_chars)
    if not rows:
        raise ImportFileError(_("Le fichier ne contient aucune ligne sous celle des colonnes."))
    present = {importer.aliases.get(key, key) for key in rows[0]}
    missing = [column for column in importer.required if column not in present]
    if missing:
        raise ImportFileError(
            _(
                "Colonnes obligatoires absentes : %(c)s. La première ligne doit nommer les "
                "colonnes, comme dans le modèle ou l'export."
            )
            % {"c": ", ".join(missing)}
        )
    pending_imports_purge(store=importer.store)
    actor = importer.actor
    return PendingImport.objects.create(
        store=importer.store,
        kind=importer.name,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        filename=filename[:200],
        rows=rows,
    )


def pending_import_get(importer: Importer, pk: object) -> PendingImport | None:
    """The importer's shop's pending import of this kind with this id, whatever its status;
    None for another shop's, another kind's or an unknown id."""
    try:
        return PendingImport.objects.get(pk=int(str(pk)), store=importer.store, kind=importer.name)
    except (ValueError, PendingImport.DoesNotExist):
        return None


@transaction.atomic
def pending_import_apply(*, importer: Importer, pending: PendingImport, valid_only: bool) -> int:
    """Apply a pending import, validated again against the shop's data as it is now: all lines
    (only if all are valid) or the valid ones only. Returns how many rows were created or
    changed. Raises ValidationError (French) otherwise; then nothing is written."""
    # Lock the pending row: a double click on "confirm" (two requests at once) must not apply
    # the file twice; the second one waits here, then finds it applied.
    locked = (
        PendingImport.objects.select_for_update()
        .filter(pk=pending.pk, store=importer.store, kind=importer.name)
        .first()
    )
    if locked is None or locked.status != PendingImport.Status.PENDING:
        raise ValidationError(_("Cet import a déjà été appliqué ou abandonné."))
    result = preview(importer, locked.rows)
    if not valid_only and not result.all_valid:
        raise ValidationError(
            _(
                "Le fichier contient des erreurs (%(n)d ligne(s)) : rien n'a été importé. "
                "Corrigez-les ou importez seulement les lignes valides."
            )
            % {"n": len(result.invalid)}
        )
    applied = importer.apply([line.cleaned for line in result.to_apply if line.cleaned])
    locked.status = PendingImport.Status.APPLIED
    locked.applied_count = applied
    locked.applied_at = timezone.now()
    locked.rows = []  # the household file is not kept once applied; the count stays
    locked.save(update_fields=["status", "applied_count", "applied_at", "rows"])
    if importer.audit_action:
        audit_record(
            store=importer.store,
            actor=importer.actor,
            action=importer.audit_action,
            target=locked,
            changes={"lines": [0, applied]},
            reason=_("lignes valides seulement") if valid_only else "",
        )
    return applied


@transaction.atomic
def pending_import_cancel(*, pending: PendingImport) -> None:
    updated = PendingImport.objects.filter(pk=pending.pk, status=PendingImport.Status.PENDING)
    updated.update(status=PendingImport.Status.CANCELLED, rows=[])


def pending_imports_purge(
    *, store: Store | None = None, now: datetime | None = None, dry_run: bool = False
) -> int:
    """Drop the files' cells that imports no longer need (of one shop, or of all): delete the
    files left unconfirmed for more than :data:`KEEP`, and empty the cells still held by
    applied or cancelled imports (those finished before they were emptied on the spot).
    Returns how many imports were deleted or emptied; ``dry_run`` only counts them."""
    imports = (
        PendingImport.objects.all() if store is None else PendingImport.objects.filter(store=store)
    )
    stale = imports.filter(
        status=PendingImport.Status.PENDING, created_at__lt=(now or timezone.now()) - KEEP
    )
    finished = [
        pk
        for pk, rows in imports.exclude(status=PendingImport.Status.PENDING).values_list(
            "pk", "rows"
        )
        if rows
    ]
    if dry_run:
        return stale.count() + len(finished)
    deleted, _by_model = stale.delete()
    emptied = PendingImport.objects.filter(pk__in=finished).update(rows=[])
    return deleted + emptied


# --- the views' two steps -------------------------------------------------------------------


def upload(request: HttpRequest, importer: Importer) -> PendingImport:
    """The posted file ("file") kept as a pending import; ImportFileError (French) otherwise."""
    file: UploadedFile | None = request.FILES.get("file")
    if file is None:
        raise ImportFileError(_("Choisissez un fichier."))
    if file.size is not None and file.size > MAX_BYTES:  # refused before it is read
        raise _too_big()
    return pending_import_create(importer=importer, filename=file.name or "", content=file.read())


@dataclass
class ImportStep:
    """Where an import stands for the view: a preview to show, lines written, or cancelled."""

    pending: PendingImport | None = None
    preview: ImportPreview | None = None
    applied: int | None = None
    cancelled: bool = False
    error: str = ""


CONFIRM_ACTIONS = ("all", "valid", "cancel")
"""The values of the preview form's ``action`` button."""


def confirm(request: HttpRequest, importer: Importer, pending: PendingImport) -> ImportStep:
    """The preview form's answer (POST ``action`` = ``all``, ``valid`` or ``cancel``)."""
    if pending.status != PendingImport.Status.PENDING:
        return ImportStep(error=_("Cet import a déjà été appliqué ou abandonné."))
    action = request.POST.get("action")
    if action == "cancel":
        pending_import_cancel(pending=pending)
        return ImportStep(cancelled=True)
    if action not in ("all", "valid"):
        return ImportStep(pending=pending, preview=preview(importer, pending.rows))
    try:
        count = pending_import_apply(
            importer=importer, pending=pending, valid_only=action == "valid"
        )
    except ValidationError as error:
        pending.refresh_from_db()
        if pending.status != PendingImport.Status.PENDING:
            return ImportStep(error=" ".join(error.messages))
        return ImportStep(
            pending=pending, preview=preview(importer, pending.rows), error=" ".join(error.messages)
        )
    return ImportStep(applied=count)


def import_step(request: HttpRequest, importer: Importer) -> ImportStep:
    """Upload, preview and confirmation on one page: a POST with a file previews it (the
    session remembers which pending import of the shop it is); a POST with ``action`` answers
    the preview."""
    key = f"cabas-import:{importer.store.pk}:{importer.name}"
    if request.method != "POST":
        return ImportStep()
    if "action" in request.POST:
        # The session keeps the id after the file is applied, so that a second click is told
        # so; the lookup is the shop's own (another shop's id finds nothing).
        pending = pending_import_get(importer, request.session.get(key))
        if pending is None:
            return ImportStep(error=_("Aucun fichier en attente : envoyez-le à nouveau."))
        return confirm(request, importer, pending)
    try:
        pending = upload(request, importer)
    except ImportFileError as error:
        return ImportStep(error=str(error))
    request.session[key] = pending.pk
    return ImportStep(pending=pending, preview=preview(importer, pending.rows))


def template_csv(importer: Importer) -> str:
    """A CSV with the importer's header line, to fill in."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow(list(importer.columns))
    return buffer.getvalue()
