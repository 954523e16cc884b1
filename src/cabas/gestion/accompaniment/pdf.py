"""The household's project contract as a PDF to print and sign, in French (reportlab, like
the bon de commande)."""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

from django.utils import formats, translation
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from cabas.gestion.accompaniment.models import Project
from cabas.gestion.beneficiaries import codes
from cabas.gestion.core.pdf import a4_pdf
from cabas.gestion.purchasing.pdf import format_euros


def _day(value: date) -> str:
    return formats.date_format(value, "j F Y")


def project_contract_pdf(project: Project) -> bytes:
    """The contract of `project`: the household, the goal, the dates, the commitments, how the
    savings are counted, and a signature block for the household and the shop."""
    with translation.override("fr"):
        return _build(project)


def _build(project: Project) -> bytes:
    store, household = project.store, project.household
    styles = getSampleStyleSheet()
    normal = ParagraphStyle("cabas", parent=styles["Normal"], fontSize=10, leading=13)
    small = ParagraphStyle("cabas-small", parent=normal, fontSize=8, textColor=colors.grey)
    title = ParagraphStyle("cabas-title", parent=styles["Title"], fontSize=16, spaceAfter=4)
    heading = ParagraphStyle("cabas-h", parent=styles["Heading3"], spaceBefore=8, spaceAfter=4)

    def para(text: str, style: ParagraphStyle = normal) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    shop_lines = [store.address, f"{store.postal_code} {store.city}".strip()]
    shop_lines += [f"Tél. {store.phone}" if store.phone else "", store.email]
    person = f"{household.first_name} {household.last_name}".strip() or household.label
    story: list[Flowable] = [
        Paragraph(
            "<b>"
            + escape(store.name)
            + "</b><br/>"
            + "<br/>".join(escape(line) for line in shop_lines if line),
            normal,
        ),
        Spacer(1, 6 * mm),
        Paragraph("Contrat d'accompagnement – projet du foyer", title),
        Spacer(1, 2 * mm),
    ]
    facts = [
        ["Foyer", para(f"{person} (carte {codes.display(household.code)})")],
        ["Projet", para(project.label)],
        ["Objectif", format_euros(project.goal_cents)],
        ["Du", _day(project.start)],
        ["Au", _day(project.target_date)],
    ]
    if household.referrer_service or household.referrer_name:
        referrer = " · ".join(p for p in (household.referrer_service, household.referrer_name) if p)
        facts.append(["Accompagné par", para(referrer)])
    table = Table(facts, colWidths=[40 * mm, 130 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#e8f3ea")),
            ]
        )
    )
    story += [table, Paragraph("Comment l'épargne est comptée", heading)]
    story.append(
        para(
            "À chaque passage en caisse, le foyer paie une part du prix plein des produits. "
            "La différence entre le prix plein et ce que le foyer a payé (l'« économie » "
            "imprimée sur chaque ticket) est comptée au profit du projet, à partir du "
            f"{_day(project.start)}. Un produit remboursé retire l'économie qu'il avait "
            "apportée. L'épicerie présente au foyer, à chaque point d'étape, le montant "
            "épargné et le chemin qui reste jusqu'à l'objectif."
        )
    )
    story.append(Paragraph("Engagements", heading))
    terms = project.contract_terms or (
        "Le foyer s'engage à mettre de côté, chaque mois, l'économie réalisée à l'épicerie "
        "pour la consacrer à son projet, et à venir aux points d'étape prévus. L'épicerie "
        "s'engage à accompagner le foyer et à faire le point avec lui régulièrement."
    )
    story.append(para(terms))
    story += [
        Spacer(1, 6 * mm),
        para(f"Fait à {store.city or store.name}, le ____________________"),
        Spacer(1, 8 * mm),
    ]
    signatures = Table(
        [
            ["Pour le foyer", "Pour l'épicerie"],
            [para(person), para(store.name)],
            ["Signature", "Signature"],
            ["", ""],
        ],
        colWidths=[85 * mm, 85 * mm],
        rowHeights=[6 * mm, 6 * mm, 6 * mm, 24 * mm],
    )
    signatures.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("BOX", (0, 0), (0, -1), 0.5, colors.grey),
                ("BOX", (1, 0), (1, -1), 0.5, colors.grey),
            ]
        )
    )
    story += [
        signatures,
        Spacer(1, 8 * mm),
        para(
            "Les informations de ce contrat sont gardées par l'épicerie pendant la durée de "
            "l'accompagnement, puis rendues anonymes (voir la notice d'information remise au "
            "foyer). Document établi avec Cabas.",
            small,
        ),
    ]
    return a4_pdf(story, title=f"Contrat – {project.label}", author=store.name, side_mm=20)
