"""CSV, XLSX and PDF renderings of report tables.

Spreadsheets open what they are given: a text cell that begins with ``=``, ``+``, ``-``, ``@``
(or a tab or carriage return) would run as a formula (CSV/formula injection, OWASP). Every text
cell that comes from data (a product name, a commune) is written with a leading apostrophe
then; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from cabas.gestion.reports.tables import Column, Table, display

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"


def neutralise(text: str) -> str:
    """A text cell that a spreadsheet will show as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_cell(value: Any, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "cents":
        return f"{int(value) / 100:.2f}".replace(".", ",")
    if column.kind == "grams":
        return f"{int(value) / 1000:.3f}".replace(".", ",")
    if column.kind == "percent":
        return f"{float(value):.1f}".replace(".", ",")
    if column.kind == "int":
        return str(int(value))
    if column.kind == "date":
        return value.isoformat() if isinstance(value, date | datetime) else str(value)
    return neutralise(str(value))


def _csv_header(column: Column) -> str:
    unit = {"cents": " (€)", "grams": " (kg)", "percent": " (%)"}.get(column.kind, "")
    return neutralise(f"{column.label}{unit}")


def tables_to_csv(tables: Sequence[Table]) -> bytes:
    """French spreadsheet CSV: UTF-8 with BOM, ``;`` separator, decimal comma; amounts in
    euros, weights in kilos. Several tables follow each other, each under its title."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for index, table in enumerate(tables):
        if len(tables) > 1:
            if index:
                writer.writerow([])
            writer.writerow([neutralise(str(table.title))])
        writer.writerow([_csv_header(c) for c in table.columns])
        for row in table.rows:
            writer.writerow([_csv_cell(v, c) for v, c in zip(row, table.columns, strict=True)])
        if table.totals is not None:
            writer.writerow(
                [_csv_cell(v, c) for v, c in zip(table.totals, table.columns, strict=True)]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


_XLSX_FORMATS = {
    "cents": '#,##0.00 "€"',
    "grams": '#,##0.000 "kg"',
    "percent": '0.0 "%"',
    "int": "#,##0",
    "date": "dd/mm/yyyy",
}


def _xlsx_value(value: Any, column: Column) -> Any:
    if value is None:
        return None
    if column.kind == "cents":
        return int(value) / 100
    if column.kind == "grams":
        return int(value) / 1000
    if column.kind == "percent":
        return round(float(value), 1)
    if column.kind == "int":
        return int(value)
    if column.kind == "date":
        return value
    return neutralise(str(value))


def _column_widths(columns: Sequence[Any], width: float) -> list[float]:
    """Text columns get three shares, numbers one and a bit; but a column is never narrower
    than the longest word of its header (reportlab would cut «Économies» into «Économie s»),
    unless the page is too narrow for all of them (then every column gives in proportion)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    weights = [3.0 if c.kind == "text" else 1.2 for c in columns]
    shares = [width * w / sum(weights) for w in weights]
    padding = 14.0  # the cell's left and right padding (6 + 6), with a little room
    needed = [
        max((stringWidth(word, "Helvetica-Bold", 8) for word in str(c.label).split()), default=0)
        + padding
        for c in columns
    ]
    if sum(needed) >= width:
        return [width * n / sum(needed) for n in needed]
    # Each column gets what its header needs, and the rest of the page by the shares.
    spare = width - sum(needed)
    extra = [max(share - n, 0.0) for share, n in zip(shares, needed, strict=True)]
    total_extra = sum(extra) or 1.0
    return [n + spare * e / total_extra for n, e in zip(needed, extra, strict=True)]


def _sheet_title(title: str, used: set[str]) -> str:
    """A sheet name (31 characters at most, none of []:*?/\\): the title without its period
    (the sheet's first line carries it), cut at a word, never in the middle of a date."""
    text = str(title).split(" — ")[0]
    for ch in "[]:*?/\\":
        text = text.replace(ch, "-")
    if len(text) > 28:
        text = text[:28].rsplit(" ", 1)[0]
    base = text.strip(" -—") or "Feuille"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name)
    return name


def tables_to_xlsx(tables: Sequence[Table], *, heading: str = "", one_sheet: bool = False) -> bytes:
    """One sheet per table (or all on one sheet, under their titles), numbers as numbers with
    a French number format, header in bold, columns sized to their content."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    bold = Font(bold=True)
    used: set[str] = set()
    sheet = workbook.active
    assert sheet is not None
    row_at = 1
    if one_sheet:
        sheet.title = _sheet_title(heading or str(tables[0].title if tables else "Rapport"), used)
        if heading:
            sheet.cell(row=1, column=1, value=neutralise(heading)).font = Font(bold=True, size=14)
            row_at = 3
    for index, table in enumerate(tables):
        if not one_sheet:
            if index:
                sheet = workbook.create_sheet()
            sheet.title = _sheet_title(str(table.title), used)
            row_at = 1
            if heading:
                sheet.cell(row=1, column=1, value=neutralise(heading)).font = bold
                row_at = 2
        sheet.cell(row=row_at, column=1, value=neutralise(str(table.title))).font = Font(
            bold=True, size=12
        )
        row_at += 1
        for col, column in enumerate(table.columns, start=1):
            sheet.cell(row=row_at, column=col, value=_csv_header(column)).font = bold
        row_at += 1
        body = [*table.rows, *([table.totals] if table.totals is not None else [])]
        for number, row in enumerate(body):
            for col, (value, column) in enumerate(zip(row, table.columns, strict=True), start=1):
                cell = sheet.cell(row=row_at, column=col, value=_xlsx_value(value, column))
                if column.kind in _XLSX_FORMATS:
                    cell.number_format = _XLSX_FORMATS[column.kind]
                if table.totals is not None and number == len(body) - 1:
                    cell.font = bold
            row_at += 1
        row_at += 1
        for col, column in enumerate(table.columns, start=1):
            letter = sheet.cell(row=1, column=col).column_letter
            widest = max(
                [len(str(column.label)) + 6]
                + [len(display(r[col - 1], column.kind)) for r in table.rows[:500]]
            )
            current = sheet.column_dimensions[letter].width or 0
            sheet.column_dimensions[letter].width = max(current, min(60, widest + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def tables_to_pdf(
    tables: Sequence[Table],
    *,
    title: str,
    subtitle: str = "",
    summary: Sequence[tuple[str, str]] = (),
    footnote: str = "",
) -> bytes:
    """A clean A4 document: title, a block of key figures, each table, then a footnote (the
    definitions) and when it was produced."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
    )
    from reportlab.platypus import (
        Table as PdfTable,
    )
    from reportlab.platypus import (
        TableStyle as PdfTableStyle,
    )

    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8, leading=10)
    small_right = ParagraphStyle("small_right", parent=small, alignment=TA_RIGHT)
    head = ParagraphStyle("head", parent=small, fontName="Helvetica-Bold")
    head_right = ParagraphStyle("head_right", parent=head, alignment=TA_RIGHT)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=11, spaceBefore=8, spaceAfter=4)
    green = colors.HexColor("#2e7d32")

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="Cabas",
    )
    width = A4[0] - 30 * mm
    story: list[Any] = [Paragraph(esc(title), styles["Title"])]
    if subtitle:
        story.append(Paragraph(esc(subtitle), styles["Normal"]))
    story.append(Spacer(1, 4 * mm))
    if summary:
        cells = [
            [Paragraph(esc(label), small), Paragraph(f"<b>{esc(value)}</b>", small_right)]
            for label, value in summary
        ]
        # Two columns of key figures side by side.
        half = (len(cells) + 1) // 2
        left, right = cells[:half], cells[half:]
        right += [["", ""]] * (len(left) - len(right))
        grid = [a + b for a, b in zip(left, right, strict=True)]
        key = PdfTable(grid, colWidths=[width * 0.32, width * 0.18] * 2)
        key.setStyle(
            PdfTableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.6, green),
                    ("LINEAFTER", (1, 0), (1, -1), 0.4, colors.lightgrey),
                    (
                        "ROWBACKGROUNDS",
                        (0, 0),
                        (-1, -1),
                        [colors.white, colors.HexColor("#f1f8f1")],
                    ),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [key, Spacer(1, 4 * mm)]
    for table in tables:
        columns = table.columns
        widths = _column_widths(columns, width)
        header = [Paragraph(esc(str(c.label)), head_right if c.numeric else head) for c in columns]
        body = [
            [
                Paragraph(esc(display(v, c.kind)), small_right if c.numeric else small)
                for v, c in zip(row, columns, strict=True)
            ]
            for row in table.rows
        ]
        if not body:
            body = [[Paragraph(esc(_("Rien sur la période.")), small)] + [""] * (len(columns) - 1)]
        if table.totals is not None:
            body.append(
                [
                    Paragraph(
                        f"<b>{esc(display(v, c.kind))}</b>", small_right if c.numeric else small
                    )
                    for v, c in zip(table.totals, columns, strict=True)
                ]
            )
        grid = PdfTable([header, *body], colWidths=widths, repeatRows=1)
        style = [
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, green),
            ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f6f6f6")]),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
        if table.totals is not None:
            style.append(("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.grey))
        grid.setStyle(PdfTableStyle(style))
        block: list[Any] = [Paragraph(esc(str(table.title)), h2), grid]
        if table.note:
            block.append(Paragraph(f"<i>{esc(str(table.note))}</i>", small))
        story.append(KeepTogether(block) if len(body) < 25 else block[0])
        if len(body) >= 25:
            story += block[1:]
    from django.utils import timezone

    stamp = _("Édité par Cabas le %(when)s") % {"when": f"{timezone.localtime():%d/%m/%Y à %H:%M}"}
    story.append(Spacer(1, 4 * mm))
    if footnote:
        story.append(Paragraph(f"<i>{esc(footnote)}</i>", small))
    story.append(Paragraph(esc(stamp), small))
    doc.build(story)
    return buffer.getvalue()
