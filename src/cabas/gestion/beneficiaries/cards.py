"""Client cards as a PDF: credit-card size (ID-1, 85.6 × 54 mm), ten to an A4 page, each with
the shop's name (and logo), the household's short name and its code as a Code 128 barcode."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from cabas.gestion.beneficiaries import codes

CARD_WIDTH = 85.6 * mm
CARD_HEIGHT = 54 * mm
COLUMNS, ROWS = 2, 5
CARDS_PER_PAGE = COLUMNS * ROWS
_GREY = Color(0.6, 0.6, 0.6)
_GREEN = Color(0.11, 0.45, 0.25)


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest font size not above `size` at which `text` fits in `width`."""
    while size > 6 and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _draw_card(
    canvas: Canvas,
    x: float,
    y: float,
    shop_name: str,
    label: str,
    code: str,
    logo: tuple[ImageReader, int, int] | None,
) -> None:
    inner = CARD_WIDTH - 10 * mm
    # A band with the shop's name, inside the card's rounded corners.
    canvas.saveState()
    outline = canvas.beginPath()
    outline.roundRect(x, y, CARD_WIDTH, CARD_HEIGHT, 3 * mm)
    canvas.clipPath(outline, stroke=0, fill=0)
    canvas.setFillColor(_GREEN)
    canvas.rect(x, y + CARD_HEIGHT - 11 * mm, CARD_WIDTH, 11 * mm, stroke=0, fill=1)
    canvas.restoreState()
    # The outline, to cut along.
    canvas.setStrokeColor(_GREY)
    canvas.setLineWidth(0.3)
    canvas.roundRect(x, y, CARD_WIDTH, CARD_HEIGHT, 3 * mm)
    band_text = inner
    if logo is not None:
        # The shop's logo on a white tile at the band's right end.
        image, width, height = logo
        ratio = min(18 * mm / width, 8 * mm / height)
        tile_w, tile_h = width * ratio + 2 * mm, height * ratio + 1.5 * mm
        tile_x, tile_y = x + CARD_WIDTH - 3 * mm - tile_w, y + CARD_HEIGHT - 5.5 * mm - tile_h / 2
        canvas.setFillColor(Color(1, 1, 1))
        canvas.roundRect(tile_x, tile_y, tile_w, tile_h, 1 * mm, stroke=0, fill=1)
        canvas.drawImage(
            image, tile_x + 1 * mm, tile_y + 0.75 * mm, width * ratio, height * ratio, mask="auto"
        )
        band_text = tile_x - x - 7 * mm
    canvas.setFillColor(Color(1, 1, 1))
    size = _fit(canvas, shop_name, "Helvetica-Bold", 12, band_text)
    canvas.setFont("Helvetica-Bold", size)
    canvas.drawString(x + 5 * mm, y + CARD_HEIGHT - 7.3 * mm, shop_name)
    canvas.setFillColor(black)
    size = _fit(canvas, label, "Helvetica-Bold", 13, inner)
    canvas.setFont("Helvetica-Bold", size)
    canvas.drawString(x + 5 * mm, y + CARD_HEIGHT - 17.5 * mm, label)
    canvas.setFont("Helvetica", 7)
    canvas.setFillColor(Color(0.3, 0.3, 0.3))
    canvas.drawString(x + 5 * mm, y + CARD_HEIGHT - 21.5 * mm, "Carte de l'épicerie solidaire")
    canvas.setFillColor(black)
    barcode = Code128(
        code,
        barWidth=0.36 * mm,
        barHeight=15 * mm,
        humanReadable=False,
        quiet=True,
        lquiet=4 * mm,
        rquiet=4 * mm,
    )
    barcode.drawOn(canvas, x + (CARD_WIDTH - barcode.width) / 2, y + 8.5 * mm)
    canvas.setFont("Courier-Bold", 10)
    canvas.drawCentredString(x + CARD_WIDTH / 2, y + 4 * mm, codes.display(code))


def cards_pdf(
    shop_name: str,
    cards: Sequence[tuple[str, str]],
    *,
    title: str = "",
    logo: tuple[bytes, int, int] | None = None,
) -> bytes:
    """A PDF of `cards` ((label, code) pairs), ten per A4 page, with thin outlines to cut;
    `logo` (`stores.logos.logo_image`) in the band of each card."""
    drawn = None if logo is None else (ImageReader(io.BytesIO(logo[0])), logo[1], logo[2])
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title or f"Cartes — {shop_name}")
    canvas.setAuthor("Cabas")
    page_width, page_height = A4
    left = (page_width - COLUMNS * CARD_WIDTH) / 2
    bottom = (page_height - ROWS * CARD_HEIGHT) / 2
    for index, (label, code) in enumerate(cards):
        slot = index % CARDS_PER_PAGE
        if index and slot == 0:
            canvas.showPage()
        column, row = slot % COLUMNS, slot // COLUMNS
        x = left + column * CARD_WIDTH
        y = bottom + (ROWS - 1 - row) * CARD_HEIGHT
        _draw_card(canvas, x, y, shop_name, label, code, drawn)
    if not cards:
        canvas.setFont("Helvetica", 12)
        canvas.drawString(20 * mm, page_height - 30 * mm, "Aucune carte à imprimer.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
