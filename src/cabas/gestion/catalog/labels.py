"""Shelf labels as a PDF, in three sticker-sheet formats (:data:`FORMATS`): each label has the
product's name, brand, price and its EAN-13 drawn as bars; where the shop's tariff is known
(:func:`register_participation`), the price a cardholder pays beside the full price; and for
goods sold by the piece with a known net weight, the price per kilo that French shelf labels
show (*prix au kilo*)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import eanbc
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from cabas.gestion.catalog.models import Product
from cabas.rules.money import format_euros, round_cents

if TYPE_CHECKING:
    from cabas.gestion.stores.models import Store


@dataclass(frozen=True)
class LabelFormat:
    """A sheet of stickers: ``columns × rows`` labels of ``width × height`` on A4."""

    key: str
    name: str
    columns: int
    rows: int
    width: float
    height: float
    barcode: bool = True

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def scale(self) -> float:
        """Type size relative to the standard 70 × 37 mm label."""
        return float(min(self.height / (37 * mm), 1.6))


FORMATS: dict[str, LabelFormat] = {
    fmt.key: fmt
    for fmt in (
        LabelFormat("70x37", "Standard — 24 par page (70 × 37 mm)", 3, 8, 70 * mm, 37 * mm),
        LabelFormat("52x30", "Petit — 40 par page (52,5 × 29,7 mm)", 4, 10, 52.5 * mm, 29.7 * mm),
        LabelFormat("105x74", "Grand — 8 par page (105 × 74 mm)", 2, 4, 105 * mm, 74 * mm),
    )
}
DEFAULT_FORMAT = "70x37"
MAX_COPIES = 50
"""Copies of one product's label in one print (a long shelf holds a few; 50 is a typo guard)."""

ParticipationSource = Callable[["Store", Sequence[Product]], Mapping[int, int]]
_participation_sources: list[ParticipationSource] = []


def register_participation(source: ParticipationSource) -> None:
    """Let the app that holds the tariff (beneficiaries, above the catalogue) give the price a
    cardholder pays: ``source(store, products)`` → ``{product pk: unit price in cents}``."""
    if source not in _participation_sources:
        _participation_sources.append(source)


def participation_prices(store: Store, products: Sequence[Product]) -> dict[int, int]:
    """The cardholders' unit prices of ``products`` by pk (empty without a tariff source)."""
    prices: dict[int, int] = {}
    for source in _participation_sources:
        prices.update(source(store, products))
    return prices


def price_per_kg_cents(product: Product, unit_price_cents: int) -> int | None:
    """The price of a kilo (or litre) of a product sold by the piece, from its net weight; None
    for weighed goods (their price is already per kilo) and for a weight nobody entered."""
    if product.is_weighed or not product.net_weight_g:
        return None
    return round_cents(Fraction(unit_price_cents * 1000, product.net_weight_g))


LABELS_PER_PAGE = FORMATS[DEFAULT_FORMAT].per_page
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


def _euros(cents: int) -> str:
    # reportlab's standard fonts have no narrow no-break space.
    return format_euros(cents).replace("\u202f", " ").replace("\u00a0", " ")


def _draw_label(
    pdf: canvas.Canvas,
    fmt: LabelFormat,
    product: Product,
    participation_cents: int | None,
    x: float,
    y: float,
) -> None:
    k = fmt.scale
    inner = fmt.width - 2 * PAD
    right = x + fmt.width - PAD
    top = y + fmt.height - PAD
    name_size = 9.5 * k
    name_lines = _wrap(product.name, "Helvetica-Bold", name_size, inner, 2)
    pdf.setFont("Helvetica-Bold", name_size)
    for index, line in enumerate(name_lines):
        pdf.drawString(x + PAD, top - name_size - index * name_size * 1.15, line)
    below_name = top - name_size - len(name_lines) * name_size * 1.15
    if product.brand:
        pdf.setFont("Helvetica", 7.5 * k)
        pdf.drawString(x + PAD, below_name + 1, _fit(product.brand, "Helvetica", 7.5 * k, inner))
    per_kg = " le kg" if product.is_weighed else ""
    # The price column, bottom right: the cardholder's price large when the tariff is known,
    # the full price under it; then the price per kilo of goods sold by the piece.
    lines: list[tuple[str, str, float]] = []
    if participation_cents is not None and participation_cents != product.price_cents:
        lines.append(("Helvetica", "avec la carte", 6.5 * k))
        lines.append(("Helvetica-Bold", f"{_euros(participation_cents)}{per_kg}", 15 * k))
        lines.append(("Helvetica", f"prix public {_euros(product.price_cents)}{per_kg}", 6.5 * k))
    else:
        lines.append(("Helvetica-Bold", f"{_euros(product.price_cents)}{per_kg}", 15 * k))
    kilo = price_per_kg_cents(product, product.price_cents)
    if kilo is not None:
        lines.append(("Helvetica", f"soit {_euros(kilo)} le kg", 6.5 * k))
    baseline = y + PAD + 2
    for font, text, size in reversed(lines):
        pdf.setFont(font, size)
        pdf.drawRightString(
            right, baseline, _fit(text, font, size, inner if size < 10 else inner / 1.6)
        )
        baseline += size * 1.2
    code = label_code(product)
    if code is not None and fmt.barcode:
        widget = eanbc.Ean13BarcodeWidget(code)
        widget.barHeight = min(11 * mm * k, max(6 * mm, below_name - y - PAD - 9 * k - 26 * k))
        widget.barWidth = 0.30 * mm if fmt.width >= 60 * mm else 0.24 * mm
        widget.fontSize = 7 if fmt.width >= 60 * mm else 6
        bounds = widget.getBounds()
        width, height = bounds[2] - bounds[0], bounds[3] - bounds[1]
        drawing = Drawing(width, height)
        drawing.add(widget)
        # Above the price column on small labels, beside it on the others.
        lift = 0.0 if fmt.width >= 60 * mm else baseline - y - PAD
        renderPDF.draw(drawing, pdf, x + PAD - bounds[0], y + PAD + lift - bounds[1])


def labels_pdf(
    products: Sequence[Product],
    *,
    skip: int = 0,
    title: str = "",
    fmt: LabelFormat | None = None,
    copies: int = 1,
    participation: Mapping[int, int] | None = None,
) -> bytes:
    """The labels of ``products`` (barcodes prefetched), ``copies`` of each, leaving the first
    ``skip`` places of the first sheet empty (a sheet already partly used). ``participation``
    gives the cardholders' unit prices by product pk (:func:`participation_prices`)."""
    fmt = fmt or FORMATS[DEFAULT_FORMAT]
    participation = participation or {}
    margin_x = (A4[0] - fmt.columns * fmt.width) / 2
    margin_y = (A4[1] - fmt.rows * fmt.height) / 2
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(title or "Étiquettes")
    pdf.setAuthor("Cabas")
    places: list[Product | None] = [None] * skip
    for product in products:
        places.extend([product] * copies)
    for index, place in enumerate(places):
        position = index % fmt.per_page
        if position == 0 and index:
            pdf.showPage()
        if place is None:
            continue
        product = place
        column, row = position % fmt.columns, position // fmt.columns
        x = margin_x + column * fmt.width
        y = A4[1] - margin_y - (row + 1) * fmt.height
        pdf.setStrokeGray(0.8)
        pdf.setLineWidth(0.3)
        pdf.rect(x, y, fmt.width, fmt.height)
        pdf.setFillGray(0)
        _draw_label(pdf, fmt, product, participation.get(product.pk), x, y)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
