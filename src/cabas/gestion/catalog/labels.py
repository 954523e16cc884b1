"""Shelf labels as a PDF: 3 × 8 labels per A4 page (70 × 37 mm, the usual sticker sheets),
each with the product's name, brand, price and its EAN-13 drawn as bars."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import eanbc
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from cabas.gestion.catalog.models import Product
from cabas.rules.money import format_euros

COLUMNS, ROWS = 3, 8
LABELS_PER_PAGE = COLUMNS * ROWS
LABEL_W, LABEL_H = 70 * mm, 37 * mm
MARGIN_X = (A4[0] - COLUMNS * LABEL_W) / 2
MARGIN_Y = (A4[1] - ROWS * LABEL_H) / 2
PAD = 3 * mm


def _fit(text: str, font: str, size: float, width: float) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(text: str, font: str, size: float, width: float, lines: int) -> list[str]:
    words, out, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if stringWidth(candidate, font, size) <= width:
            current = candidate
        else:
            if current:
                out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], " ".join(out[lines - 1 :])]
    return [_fit(line, font, size, width) for line in out]


def label_code(product: Product) -> str | None:
    """The code printed on a product's label: its internal or scale code if it has one (the
    shop's own labels), else its first EAN-13."""
    barcodes = list(product.barcodes.all())
    for kind in ("internal", "scale", "ean13", "upca"):
        for barcode in barcodes:
            if barcode.kind == kind and len(barcode.code) == 13:
                return barcode.code
    return None


def _draw_label(pdf: canvas.Canvas, product: Product, x: float, y: float) -> None:
    inner = LABEL_W - 2 * PAD
    top = y + LABEL_H - PAD
    name_lines = _wrap(product.name, "Helvetica-Bold", 9.5, inner, 2)
    for index, line in enumerate(name_lines):
        pdf.setFont("Helvetica-Bold", 9.5)
        pdf.drawString(x + PAD, top - 9 - index * 11, line)
    if product.brand:
        pdf.setFont("Helvetica", 7.5)
        pdf.drawString(
            x + PAD,
            top - 9 - len(name_lines) * 11 + 1,
            _fit(product.brand, "Helvetica", 7.5, inner),
        )
    price = format_euros(product.price_cents).replace("\u202f", " ").replace("\u00a0", " ")
    per = " le kg" if product.unit == "kg" else ""
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawRightString(x + LABEL_W - PAD, y + PAD + 2, price)
    if per:
        pdf.setFont("Helvetica", 7.5)
        pdf.drawRightString(x + LABEL_W - PAD, y + PAD + 17, per.strip())
    code = label_code(product)
    if code is not None:
        widget = eanbc.Ean13BarcodeWidget(code)
        widget.barHeight = 11 * mm
        widget.barWidth = 0.30 * mm
        widget.fontSize = 7
        bounds = widget.getBounds()
        width, height = bounds[2] - bounds[0], bounds[3] - bounds[1]
        drawing = Drawing(width, height)
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, x + PAD - bounds[0], y + PAD - bounds[1])


def labels_pdf(products: Sequence[Product], *, skip: int = 0, title: str = "") -> bytes:
    """The labels of ``products`` (barcodes prefetched), leaving the first ``skip`` places of
    the first sheet empty (a sheet already partly used)."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title or "Étiquettes")
    pdf.setAuthor("Cabas")
    places = [None] * skip + list(products)
    for index, product in enumerate(places):
        position = index % LABELS_PER_PAGE
        if position == 0 and index:
            pdf.showPage()
        if product is None:
            continue
        column, row = position % COLUMNS, position // COLUMNS
        x = MARGIN_X + column * LABEL_W
        y = A4[1] - MARGIN_Y - (row + 1) * LABEL_H
        pdf.setStrokeGray(0.8)
        pdf.setLineWidth(0.3)
        pdf.rect(x, y, LABEL_W, LABEL_H)
        pdf.setFillGray(0)
        _draw_label(pdf, product, x, y)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
