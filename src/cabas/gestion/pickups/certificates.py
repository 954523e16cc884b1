"""The yearly donation certificate (*attestation de dons en nature*) a donor shop gets for its
tax reduction: the association's and the donor's identities, what was given by family (kilos
and value), how it was valued, and a block for the signature. A4 PDF, made with reportlab
as the reports' PDFs are (:mod:`cabas.gestion.reports.exports`)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from cabas.gestion.pickups.models import Valuation
from cabas.gestion.pickups.selectors import Certificate
from cabas.gestion.reports.tables import format_grams
from cabas.gestion.stores.models import Store
from cabas.rules.identifiers import format_siren
from cabas.rules.money import format_euros


def _esc(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _association_lines(store: Store) -> list[str]:
    lines = [f"<b>{_esc(store.legal_name or store.name)}</b>"]
    if store.legal_name and store.legal_name != store.name:
        lines.append(_esc(_("Épicerie : %(name)s") % {"name": store.name}))
    if store.address:
        lines.append(_esc(store.address))
    town = f"{store.postal_code} {store.city}".strip()
    if town:
        lines.append(_esc(town))
    lines.append(
        _esc(_("SIREN : %(siren)s") % {"siren": format_siren(store.siren) if store.siren else "—"})
    )
    lines.append(_esc(_("RNA : %(rna)s") % {"rna": store.rna or "—"}))
    return lines


def _method(certificate: Certificate) -> str:
    parts = []
    if Valuation.DECLARED in certificate.valuations:
        parts.append(
            _(
                "valeur déclarée par le donateur pour chaque lot remis (prix de revient ou "
                "valeur en stock)"
            )
        )
    if Valuation.PER_KG in certificate.valuations:
        rates = []
        for family in certificate.families:
            for cents in sorted(family.per_kg_cents):
                rates.append(f"{family.name} {format_euros(cents)}/kg")
        parts.append(
            _("barème au kilo par famille : %(rates)s") % {"rates": ", ".join(rates) or "—"}
        )
    return "; ".join(parts) or "—"


def certificate_pdf(store: Store, certificate: Certificate, *, issued_on: date) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from reportlab.platypus import Table as PdfTable
    from reportlab.platypus import TableStyle as PdfTableStyle

    styles = getSampleStyleSheet()
    normal = ParagraphStyle("n", parent=styles["Normal"], fontSize=9.5, leading=12.5)
    small = ParagraphStyle("s", parent=normal, fontSize=8, leading=10)
    right = ParagraphStyle("r", parent=normal, alignment=TA_RIGHT)
    head = ParagraphStyle("h", parent=normal, fontName="Helvetica-Bold")
    head_right = ParagraphStyle("hr", parent=head, alignment=TA_RIGHT)
    green = colors.HexColor("#2e7d32")
    donor = certificate.donor

    buffer = io.BytesIO()
    title = _("Attestation de dons en nature — année %(year)s") % {"year": certificate.year}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=store.legal_name or store.name,
    )
    width = A4[0] - 36 * mm
    story: list[Any] = [
        Paragraph(_esc(title), styles["Title"]),
        Paragraph(
            _esc(_("N° %(number)s") % {"number": certificate.number}),
            ParagraphStyle("c", parent=normal, alignment=1),
        ),
        Spacer(1, 5 * mm),
    ]
    donor_lines = [
        f"<b>{_esc(donor.name)}</b>",
        _esc(donor.address),
        _esc(f"{donor.postal_code} {donor.city}"),
        _esc(_("SIREN : %(siren)s") % {"siren": format_siren(donor.siren)}),
    ]
    parties = PdfTable(
        [
            [
                Paragraph(_esc(_("Organisme bénéficiaire")), head),
                Paragraph(_esc(_("Donateur")), head),
            ],
            [
                Paragraph("<br/>".join(_association_lines(store)), normal),
                Paragraph("<br/>".join(donor_lines), normal),
            ],
        ],
        colWidths=[width / 2, width / 2],
    )
    parties.setStyle(
        PdfTableStyle(
            [
                ("BOX", (0, 0), (0, -1), 0.6, green),
                ("BOX", (1, 0), (1, -1), 0.6, green),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [parties, Spacer(1, 5 * mm)]
    period = ""
    if certificate.first_day and certificate.first_day == certificate.last_day:
        period = _(" le %(day)s") % {"day": f"{certificate.first_day:%d/%m/%Y}"}
    elif certificate.first_day and certificate.last_day:
        period = _(" entre le %(first)s et le %(last)s") % {
            "first": f"{certificate.first_day:%d/%m/%Y}",
            "last": f"{certificate.last_day:%d/%m/%Y}",
        }
    story.append(
        Paragraph(
            _esc(
                _(
                    "L'organisme bénéficiaire atteste avoir reçu du donateur, au titre de "
                    "l'année %(year)s, sans contrepartie, les dons en nature ci-dessous "
                    "(denrées et produits remis lors de %(count)s ramasse(s)%(period)s), "
                    "destinés à l'aide alimentaire des personnes qu'il accueille."
                )
                % {"year": certificate.year, "count": certificate.collections, "period": period}
            ),
            normal,
        )
    )
    story.append(Spacer(1, 4 * mm))
    rows: list[list[Any]] = [
        [
            Paragraph(_esc(_("Famille de produits")), head),
            Paragraph(_esc(_("Poids reçu")), head_right),
            Paragraph(_esc(_("Valeur")), head_right),
        ]
    ]
    for family in certificate.families:
        rows.append(
            [
                Paragraph(_esc(family.name), normal),
                Paragraph(_esc(format_grams(family.weight_grams)), right),
                Paragraph(_esc(format_euros(family.value_cents)), right),
            ]
        )
    rows.append(
        [
            Paragraph(_esc(_("Total")), head),
            Paragraph(_esc(format_grams(certificate.weight_grams)), head_right),
            Paragraph(_esc(format_euros(certificate.value_cents)), head_right),
        ]
    )
    grid = PdfTable(rows, colWidths=[width * 0.55, width * 0.2, width * 0.25], repeatRows=1)
    grid.setStyle(
        PdfTableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, green),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.grey),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f6f6f6")]),
            ]
        )
    )
    story += [grid, Spacer(1, 3 * mm)]
    amount = format_euros(certificate.value_cents)
    story.append(
        Paragraph(
            _esc(_("Montant total des dons en nature : %(amount)s.") % {"amount": amount}),
            head,
        )
    )
    story.append(
        Paragraph(
            _esc(_("Méthode de valorisation : %(method)s.") % {"method": _method(certificate)}),
            normal,
        )
    )
    if certificate.refused_grams:
        story.append(
            Paragraph(
                _esc(
                    _(
                        "Marchandises refusées à la réception (DLC dépassée, chaîne du froid "
                        "rompue…), non comprises ci-dessus : %(weight)s."
                    )
                    % {"weight": format_grams(certificate.refused_grams)}
                ),
                normal,
            )
        )
    story.append(Spacer(1, 3 * mm))
    story.append(
        Paragraph(
            _esc(
                _(
                    "Attestation établie pour servir au donateur au titre de la réduction "
                    "d'impôt prévue à l'article 238 bis du code général des impôts, sous réserve "
                    "que l'organisme bénéficiaire en remplisse les conditions. Le détail des "
                    "ramasses figure au registre des ramasses de l'organisme."
                )
            ),
            small,
        )
    )
    story.append(Spacer(1, 8 * mm))
    place = store.city or "……………………"
    signature = PdfTable(
        [
            [
                Paragraph(
                    _esc(
                        _("Fait à %(place)s, le %(day)s")
                        % {"place": place, "day": f"{issued_on:%d/%m/%Y}"}
                    ),
                    normal,
                ),
                Paragraph(_esc(_("Signature et cachet de l'organisme")), normal),
            ],
            [
                Paragraph(
                    _esc(_("Nom et qualité du signataire :"))
                    + "<br/><br/>……………………………………………<br/><br/>……………………………………………",
                    normal,
                ),
                "",
            ],
        ],
        colWidths=[width * 0.5, width * 0.5],
        rowHeights=[None, 32 * mm],
    )
    signature.setStyle(
        PdfTableStyle(
            [
                ("BOX", (1, 1), (1, 1), 0.6, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(signature)
    doc.build(story)
    return buffer.getvalue()
