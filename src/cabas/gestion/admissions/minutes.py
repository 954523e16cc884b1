"""The committee's minutes as a PDF, in French (reportlab): the session, and for each
referral examined its reference, the household's short name, composition, reste à vivre
against the shop's threshold, and the decision."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils import timezone, translation
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from cabas.gestion.admissions.models import CommitteeSession, Decision
from cabas.gestion.admissions.selectors import session_agenda
from cabas.gestion.beneficiaries.services import household_label
from cabas.gestion.core.pdf import a4_pdf
from cabas.rules.money import format_euros as _format_euros


def format_euros(cents: int) -> str:
    # The PDF's standard fonts have no narrow no-break space (thousands separator).
    return _format_euros(cents).replace("\u202f", " ").replace("\u00a0", " ")


def minutes_pdf(session: CommitteeSession) -> bytes:
    with translation.override("fr"):
        return _build(session)


def _outcome(decision: Decision) -> str:
    if decision.outcome == Decision.Outcome.ADMITTED:
        return (
            f"Admis : {decision.months} mois, budget "
            f"{format_euros(decision.budget_cents or 0)} par mois"
        )
    if decision.outcome == Decision.Outcome.REFUSED:
        return f"Refusé : {decision.reason}"
    if decision.outcome == Decision.Outcome.POSTPONED:
        return "Ajourné" + (f" : {decision.reason}" if decision.reason else "")
    return "Pas encore décidé"


def _build(session: CommitteeSession) -> bytes:
    store = session.store
    styles = getSampleStyleSheet()
    normal = ParagraphStyle("cabas", parent=styles["Normal"], fontSize=9, leading=11.5)
    title = ParagraphStyle("cabas-title", parent=styles["Title"], fontSize=16, spaceAfter=4)

    def para(text: str, style: ParagraphStyle = normal) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story: list[object] = [
        para(f"Commission d'admission du {session.held_on:%d/%m/%Y}", title),
        para(store.name),
    ]
    if session.members:
        story.append(para(f"Membres présents : {session.members}"))
    story.append(Spacer(1, 5 * mm))
    header = ["Référence", "Foyer", "Composition", "Reste à vivre", "Décision"]
    rows: list[list[object]] = [[para(h) for h in header]]
    agenda = session_agenda(session)
    for item in agenda:
        referral = item.referral
        adults, children = referral.adults, referral.children
        composition = f"{adults} adulte{'s' if adults > 1 else ''}"
        if children:
            composition += f", {children} enfant{'s' if children > 1 else ''}"
        position = "sous le seuil" if item.below_threshold else "au-dessus du seuil"
        rows.append(
            [
                para(referral.reference),
                para(household_label(referral.last_name, referral.first_name) or "—"),
                para(composition),
                para(f"{format_euros(item.reste_cents)} par personne et par jour ({position})"),
                para(_outcome(item.decision)),
            ]
        )
    table = Table(rows, colWidths=[30 * mm, 30 * mm, 28 * mm, 42 * mm, 50 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.95, 0.9)),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 5 * mm))
    threshold = agenda[0].threshold_cents if agenda else 0
    counts = {o: sum(1 for i in agenda if i.decision.outcome == o) for o in Decision.Outcome}
    story.append(
        para(
            f"Seuil de reste à vivre de l'épicerie : {format_euros(threshold)} par personne et "
            f"par jour. Admis : {counts[Decision.Outcome.ADMITTED]}, refusés : "
            f"{counts[Decision.Outcome.REFUSED]}, ajournés : {counts[Decision.Outcome.POSTPONED]}."
        )
    )
    story.append(
        para(f"Document établi le {timezone.localtime(timezone=store.zone):%d/%m/%Y à %H:%M}.")
    )
    return a4_pdf(
        story, title=f"Commission d'admission du {session.held_on:%d/%m/%Y}", author=store.name
    )
