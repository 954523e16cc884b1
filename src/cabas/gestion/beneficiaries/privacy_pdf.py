"""« Vos données »: the access-request export as a PDF a household can read, beside the
machine-readable JSON (:func:`cabas.gestion.beneficiaries.selectors.household_export`): French
headings, euros, dates dd/mm/yyyy, and every part the apps above beneficiaries registered
(:mod:`cabas.gestion.beneficiaries.parts`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from cabas.gestion.beneficiaries.models import Household, RetiredCode
from cabas.gestion.beneficiaries.parts import (
    DocumentSection,
    household_parts,
    shown,
    shown_euros,
)
from cabas.gestion.beneficiaries.selectors import EXPORT_FIELDS, household_import_copies
from cabas.gestion.core.pdf import a4_pdf

_ACCESS = {"view": "consultation", "edit": "modification", "export": "export"}
_IMPORT_STATUS = {"pending": "en attente", "applied": "importé", "cancelled": "abandonné"}


def _field_label(field: str) -> str:
    if field == "created_at":
        return _("Dossier créé le")
    if field == "updated_at":
        return _("Dernière modification le")
    return str(getattr(Household._meta.get_field(field), "verbose_name", field)).capitalize()


def _field_text(household: Household, field: str) -> str:
    value = getattr(household, field)
    if field.endswith("_cents"):
        return shown_euros(value)
    if field == "rate_bp":
        return _("celui de l'épicerie") if value is None else f"{value / 100:g} %".replace(".", ",")
    return shown(value, household.store.zone)


def household_sections(household: Household) -> list[DocumentSection]:
    """The sections of « Vos données », in the order of the JSON export."""
    zone = household.store.zone
    sections = [
        DocumentSection(
            title=_("Votre dossier"),
            columns=[_("Donnée"), _("Valeur")],
            rows=[[_field_label(f), _field_text(household, f)] for f in EXPORT_FIELDS],
        ),
        DocumentSection(
            title=_("Les membres du foyer"),
            columns=[_("Prénom"), _("Date de naissance"), _("Adulte")],
            rows=[
                [shown(m.first_name), shown(m.birth_date), shown(m.is_adult)]
                for m in household.members.all()
            ],
            empty=_("Aucun membre détaillé."),
        ),
        DocumentSection(
            title=_("Vos périodes de droits"),
            columns=[_("Du"), _("Au"), _("Suspendus le"), _("Repris le"), _("Motif")],
            rows=[
                [
                    shown(p.start),
                    shown(p.end),
                    shown(p.suspended_at),
                    shown(p.resumed_at),
                    shown(p.suspension_reason),
                ]
                for p in household.periods.all()
            ],
            empty=_("Aucune période de droits."),
        ),
        DocumentSection(
            title=_("Vos dépenses par mois"),
            columns=[_("Mois"), _("Dépensé")],
            rows=[
                [f"{s.month[5:7]}/{s.month[:4]}", shown_euros(s.spent_cents)]
                for s in household.spendings.order_by("month")
            ],
            empty=_("Aucune dépense."),
        ),
    ]
    for part in household_parts():
        sections += part.document(household)
    sections += [
        DocumentSection(
            title=_("Vos anciens codes de carte"),
            columns=[_("Code"), _("Remplacé le")],
            rows=[
                [r.code, shown(r.retired_at, zone)]
                for r in RetiredCode.objects.filter(household=household).order_by("retired_at")
            ],
            empty=_("Aucun ancien code."),
        ),
        DocumentSection(
            title=_("Vos données dans des fichiers importés"),
            columns=[_("Fichier"), _("Reçu le"), _("État"), _("Ligne"), _("Contenu")],
            rows=[
                [
                    copy["file"],
                    shown(datetime.fromisoformat(copy["uploaded_at"]), zone),
                    _IMPORT_STATUS.get(copy["status"], copy["status"]),
                    str(copy["row"]),
                    "\n".join(f"{k} : {v}" for k, v in copy["cells"].items() if v),
                ]
                for copy in household_import_copies(household)
            ],
            empty=_("Aucun fichier importé ne vous nomme."),
        ),
        DocumentSection(
            title=_("Qui a ouvert votre dossier"),
            columns=[_("Le"), _("Par"), _("Pour")],
            rows=[
                [shown(a.at, zone), str(a.user), _ACCESS.get(a.action, a.action)]
                for a in household.accesses.select_related("user")
            ],
            empty=_("Personne."),
        ),
    ]
    return sections


def household_data_pdf(household: Household) -> bytes:
    """« Vos données » of ``household``, always in French (the household's document)."""
    with translation.override("fr"):
        return _build(household, household_sections(household))


def _build(household: Household, sections: Sequence[DocumentSection]) -> bytes:
    styles = getSampleStyleSheet()
    normal = ParagraphStyle("cabas", parent=styles["Normal"], fontSize=9, leading=11.5)
    heading = ParagraphStyle("cabas-h2", parent=styles["Heading2"], fontSize=12, spaceBefore=8)
    title = ParagraphStyle("cabas-title", parent=styles["Title"], fontSize=18, spaceAfter=4)

    def para(text: str, style: ParagraphStyle = normal) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    store = household.store
    story: list[object] = [
        para(_("Vos données"), title),
        para(
            _(
                "Ce document rassemble tout ce que l'épicerie %(shop)s conserve sur votre "
                "foyer, à la date du %(day)s. Il répond à votre demande d'accès (RGPD, "
                "article 15). Pour faire corriger ou effacer une donnée, adressez-vous à "
                "l'équipe de l'épicerie."
            )
            % {"shop": store.name, "day": f"{store.today():%d/%m/%Y}"}
        ),
        Spacer(1, 3 * mm),
    ]
    width = A4[0] - 30 * mm
    for section in sections:
        story.append(para(section.title, heading))
        if not section.rows:
            story.append(para(section.empty))
            continue
        cells = [[para(c) for c in section.columns]]
        cells += [[para(str(c)) for c in row] for row in section.rows]
        table = Table(cells, colWidths=[width / len(section.columns)] * len(section.columns))
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.93, 0.9)),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    return a4_pdf(story, title=_("Vos données"), author=store.name)
