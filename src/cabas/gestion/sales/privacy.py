"""Sales' part of a household for beneficiaries' privacy duties (see
:mod:`cabas.gestion.beneficiaries.parts`): its tickets and anomalies in the access-request
export, and its name out of the anomalies' texts at the anonymisation."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.parts import (
    DocumentSection,
    HouseholdPart,
    household_part_register,
    shown,
    shown_euros,
)
from cabas.gestion.sales.models import Anomaly, Ticket
from cabas.gestion.sales.selectors import household_sales_export
from cabas.gestion.sales.services import anomalies_scrub_names
from cabas.rules.quantities import format_quantity


def _erase(household: Household, names: Sequence[str]) -> None:
    # Anomalies written before the pages showed the name at display time carry it in their
    # text, and a reviewer's note may name the household.
    anomalies_scrub_names(
        anomalies=Anomaly.objects.filter(store_id=household.store_id, ticket__household=household),
        names=names,
    )


def _document(household: Household) -> list[DocumentSection]:
    """Sales' part of « Vos données »: the household's passages at the till, what it bought,
    and the anomalies the shop noted on them."""
    zone = household.store.zone
    tickets = (
        Ticket.objects.filter(store_id=household.store_id, household=household)
        .select_related("device")
        .prefetch_related("lines", "payments")
        .order_by("created_at", "pk")
    )
    rows = []
    for t in tickets:
        bought = ", ".join(
            f"{format_quantity(line.quantity, line.unit)} × {line.label}".replace("\u202f", " ")
            for line in t.lines.all()
        )
        rows.append(
            [
                shown(t.created_at, zone),
                t.device.name,
                (_("retour : ") if t.refund_of else "") + bought,
                shown_euros(t.total_cents),
            ]
        )
    anomalies = (
        Anomaly.objects.filter(store_id=household.store_id, ticket__household=household)
        .select_related("ticket")
        .order_by("created_at", "pk")
    )
    return [
        DocumentSection(
            title=_("Vos passages en caisse"),
            columns=[_("Date"), _("Caisse"), _("Produits"), _("Payé")],
            rows=rows,
            empty=_("Aucun passage en caisse."),
        ),
        DocumentSection(
            title=_("Remarques notées sur vos passages"),
            columns=[_("Date"), _("Remarque"), _("Traitée le"), _("Note")],
            rows=[
                [
                    shown(a.created_at, zone),
                    a.message or a.get_kind_display(),
                    shown(a.handled_at, zone),
                    shown(a.handled_note),
                ]
                for a in anomalies
            ],
            empty=_("Aucune remarque."),
        ),
    ]


household_part_register(
    HouseholdPart(name="sales", export=household_sales_export, document=_document, erase=_erase)
)
