"""The bon de commande as a PDF, in French (reportlab)."""

from __future__ import annotations

import io
import logging
from xml.sax.saxutils import escape

from django.utils import formats, timezone, translation
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from cabas.gestion.core.pdf import a4_pdf
from cabas.gestion.purchasing.models import PurchaseOrder
from cabas.gestion.stores.logos import logo_image
from cabas.gestion.stores.models import Store
from cabas.rules.money import UNIT_KG, UNIT_PIECE
from cabas.rules.money import format_euros as _format_euros
from cabas.rules.quantities import format_quantity

logger = logging.getLogger(__name__)


def format_euros(cents: int) -> str:
    # The PDF's standard fonts have no narrow no-break space (thousands separator).
    return _format_euros(cents).replace("\u202f", " ")


def _quantity(value: int, weighed: bool) -> str:
    # A plain space: the PDF's font may lack the no-break one.
    return format_quantity(value, UNIT_KG if weighed else UNIT_PIECE).replace("\u00a0", " ")


def _logo(store: Store) -> Flowable | None:
    logo = logo_image(store)
    if logo is None:
        return None
    data, width, height = logo
    ratio = min(40 * mm / width, 20 * mm / height)
    return Image(io.BytesIO(data), width=width * ratio, height=height * ratio)


def purchase_order_pdf(order: PurchaseOrder) -> bytes:
    """The bon de commande of ``order``, always in French (the supplier's document)."""
    with translation.override("fr"):
        return _build(order)


def _build(order: PurchaseOrder) -> bytes:
    store, supplier = order.store, order.supplier
    styles = getSampleStyleSheet()
    normal = ParagraphStyle("cabas", parent=styles["Normal"], fontSize=9.5, leading=12)
    small = ParagraphStyle("cabas-small", parent=normal, fontSize=8, textColor=colors.grey)
    right = ParagraphStyle("cabas-right", parent=normal, alignment=TA_RIGHT)
    title = ParagraphStyle("cabas-title", parent=styles["Title"], fontSize=16, spaceAfter=4)

    def para(text: str, style: ParagraphStyle = normal) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    shop_lines = [store.name, store.address, f"{store.postal_code} {store.city}".strip()]
    shop_lines += [f"Tél. {store.phone}" if store.phone else "", store.email]
    shop = Paragraph(
        "<b>"
        + escape(store.name)
        + "</b><br/>"
        + "<br/>".join(escape(line) for line in shop_lines[1:] if line),
        normal,
    )
    logo = _logo(store)
    header = Table(
        [[logo or "", shop, para(f"Bon de commande\n{order.reference}", right)]],
        colWidths=[45 * mm, 80 * mm, 45 * mm],
    )
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))

    created = timezone.localtime(order.sent_at or order.created_at)
    supplier_lines = [supplier.name]
    if supplier.contact_name:
        supplier_lines.append(f"À l'attention de {supplier.contact_name}")
    supplier_lines += [supplier.address, supplier.email, supplier.phone]
    delivery = (
        formats.date_format(order.expected_on, "l j F Y")
        if order.expected_on
        else "dès que possible"
    )
    facts = Table(
        [
            [
                Paragraph(
                    "<b>Fournisseur</b><br/>"
                    + "<br/>".join(escape(line) for line in supplier_lines if line),
                    normal,
                ),
                para(
                    f"Date de la commande : {formats.date_format(created, 'j F Y')}\n"
                    f"Livraison souhaitée : {delivery}\n"
                    f"Livraison à : {store.name}, {store.address} {store.postal_code} "
                    f"{store.city}".rstrip()
                ),
            ]
        ],
        colWidths=[85 * mm, 85 * mm],
    )
    facts.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (0, 0), 0.5, colors.grey),
                ("BOX", (1, 0), (1, 0), 0.5, colors.grey),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )

    rows: list[list[object]] = [
        ["Réf.", "Produit", "Colisage", "Colis", "Prix du colis HT", "Total HT"]
    ]
    for line in order.lines.select_related("product").order_by("id"):
        weighed = line.product.is_weighed
        rows.append(
            [
                para(line.reference or "—"),
                para(str(line.product)),
                _quantity(line.pack_size, weighed),
                str(line.packs),
                format_euros(line.pack_price_cents),
                format_euros(line.total_cents),
            ]
        )
    rows.append(["", "", "", "", "Total HT", format_euros(order.total_cents)])
    lines = Table(
        rows,
        colWidths=[22 * mm, 60 * mm, 18 * mm, 14 * mm, 30 * mm, 26 * mm],
        repeatRows=1,
    )
    lines.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f3ea")),
                ("GRID", (0, 0), (-1, -2), 0.4, colors.grey),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTNAME", (4, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEABOVE", (4, -1), (-1, -1), 1, colors.black),
            ]
        )
    )

    story: list[Flowable] = [
        header,
        Spacer(1, 6 * mm),
        Paragraph(f"Bon de commande {escape(order.reference)}", title),
        facts,
        Spacer(1, 6 * mm),
        lines,
    ]
    if order.note:
        story += [Spacer(1, 4 * mm), para("Note : " + order.note)]
    story += [
        Spacer(1, 14 * mm),
        Table(
            [["Date et signature", ""], ["", ""]],
            colWidths=[70 * mm, 100 * mm],
            rowHeights=[6 * mm, 18 * mm],
            style=TableStyle([("LINEBELOW", (0, 1), (0, 1), 0.6, colors.black)]),
        ),
        Spacer(1, 8 * mm),
        para(
            "Merci de nous confirmer la commande et la date de livraison en répondant à cet "
            "e-mail. Document établi avec Cabas.",
            small,
        ),
    ]
    return a4_pdf(story, title=f"Bon de commande {order.reference}", author=store.name, side_mm=20)
