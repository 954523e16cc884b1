"""Issue 15, item 7: one list of a household's personal fields; the access-request export holds
all the shop keeps (tickets, lines, anomalies, retired codes, import copies); anonymisation
leaves the name nowhere, anomaly messages included."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from cabas.gestion import imports
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries import selectors, services
from cabas.gestion.beneficiaries.forms import HouseholdForm, MemberForm
from cabas.gestion.beneficiaries.imports import HouseholdImporter
from cabas.gestion.beneficiaries.models import (
    Household,
    HouseholdMember,
    RetiredCode,
    RightsPeriod,
)
from cabas.gestion.sales.models import Anomaly, Ticket, TicketLine, TicketPayment
from cabas.gestion.sales.services import anomaly_handle
from cabas.gestion.stock.services import lot_receive
from tests.gestion.sales.conftest import ticket

pytestmark = pytest.mark.django_db


def send(till, *tickets):
    response = till.post("tickets", {"tickets": list(tickets)})
    assert response.status_code == 200, response.content
    assert {r["status"] for r in response.json()["results"]} == {"created"}


def over_budget_and_suspended(shop, till):
    """Two tickets of the shop's household (Dupont Marie): one over its 50 € budget, one while
    its rights are suspended."""
    lot_receive(store=shop.store, product=shop.pasta, quantity=200, actor=None)
    over = ticket(shop, [(shop.pasta, 170)])  # 170 × 0,30 € = 51 € for a 50 € budget
    send(till, over)
    services.rights_suspend(
        household=shop.household, actor=None, reason="Voir Mme Dupont", today=timezone.localdate()
    )
    suspended = ticket(shop, [(shop.milk, 1)])
    send(till, suspended)
    return over, suspended


def texts(rows) -> str:
    return json.dumps([list(row) for row in rows.values_list()], default=str).lower()


def test_anomaly_messages_hold_no_name_and_the_pages_show_the_current_one(
    world, client, shop_a, till_a
):
    over, suspended = over_budget_and_suspended(shop_a, till_a)
    messages = list(Anomaly.objects.values_list("kind", "message"))
    assert {kind for kind, _ in messages} == {"budget_exceeded", "beneficiary_suspended"}
    assert "dupont" not in json.dumps(messages).lower()
    assert ("beneficiary_suspended", "Vente à un foyer dont les droits sont suspendus.") in messages
    # A correction of the name shows on the anomalies at once.
    services.household_update(household=shop_a.household, actor=None, data={"last_name": "Durand"})
    client.force_login(world.alice)
    html = client.get(reverse("sales:anomaly_list")).content.decode()
    assert html.count("DURAND M. : ") == Anomaly.objects.count() == 3
    assert "DUPONT" not in html


def test_anonymisation_leaves_the_old_name_in_no_stored_text(world, shop_a, till_a):
    over, _suspended = over_budget_and_suspended(shop_a, till_a)
    household = shop_a.household
    services.household_members_set(
        household=household,
        actor=None,
        members=[
            {"first_name": "Marie", "is_adult": True},
            {"first_name": "Léo", "is_adult": False},
        ],
    )
    # Anomalies written before the names were left out, and a reviewer's note naming them.
    Anomaly.objects.filter(kind="beneficiary_suspended").update(
        message="Vente au foyer DUPONT M. dont les droits sont suspendus."
    )
    Anomaly.objects.filter(kind="budget_exceeded").update(
        message="Budget du foyer DUPONT M. dépassé : 51,00 € dépensés en 2026-01 pour 50,00 €."
    )
    anomaly = Anomaly.objects.get(kind="budget_exceeded", ticket_id=over["id"])
    anomaly_handle(anomaly=anomaly, actor=world.alice, note="Vu avec Mme Dupont (Marie)")
    assert AuditEvent.objects.filter(target_repr__icontains="dupont").exists()

    assert services.household_anonymise(household=household, actor=world.alice)

    tickets = Ticket.objects.filter(household=household)
    assert tickets.count() == 2
    stored = [
        Household.objects.filter(pk=household.pk),
        HouseholdMember.objects.filter(household=household),
        RightsPeriod.objects.filter(household=household),
        tickets,
        TicketLine.objects.filter(ticket__in=tickets),
        TicketPayment.objects.filter(ticket__in=tickets),
        Anomaly.objects.filter(ticket__in=tickets),
        AuditEvent.objects.filter(store=world.store_a),
    ]
    for rows in stored:
        assert "dupont" not in texts(rows), rows.model
    assert "marie" not in texts(Anomaly.objects.filter(ticket__in=tickets))
    assert set(Anomaly.objects.values_list("message", flat=True)) == {
        "Vente à un foyer dont les droits sont suspendus.",
        "Budget du foyer dépassé : 51,00 € dépensés en 2026-01 pour 50,00 €.",
    }
    assert Anomaly.objects.get(pk=anomaly.pk).handled_note == "Vu avec Mme … (…)"


def test_the_export_holds_tickets_lines_anomalies_retired_codes_and_import_copies(
    world, client, shop_a, till_a
):
    household = shop_a.household
    first_code = household.code
    services.household_card_reissue(household=household, actor=world.alice)
    household.refresh_from_db()
    over, suspended = over_budget_and_suspended(shop_a, till_a)
    importer = HouseholdImporter(store=world.store_a, actor=world.alice)
    content = "Nom;Prénom;Téléphone\nDupont;Marie;0611111111\nMartin;Jules;0622222222\n".encode()
    imports.pending_import_create(importer=importer, filename="foyers.csv", content=content)

    client.force_login(world.alice)
    response = client.get(reverse("beneficiaries:export", args=[household.pk]))
    assert response.status_code == 200
    data = json.loads(response.content)

    assert [t["id"] for t in data["tickets"]] == [over["id"], suspended["id"]]
    assert data["tickets"][0]["total_cents"] == 5100
    lines = data["tickets"][0]["lines"]
    assert [(line["label"], line["quantity"]) for line in lines] == [("Spaghetti", 170)]
    assert {a["kind"] for a in data["anomalies"]} == {"budget_exceeded", "beneficiary_suspended"}
    assert {a["ticket"] for a in data["anomalies"]} == {over["id"], suspended["id"]}
    assert [r["code"] for r in data["retired_card_codes"]] == [first_code]
    assert [c["cells"].get("telephone") for c in data["import_copies"]] == ["0611111111"]
    assert data["import_copies"][0]["file"] == "foyers.csv"


def test_the_export_has_nothing_of_another_household(world, shop_a, till_a):
    over_budget_and_suspended(shop_a, till_a)
    other = services.household_create(
        store=world.store_a, actor=None, data={"last_name": "Autre", "first_name": "Anne"}
    )
    data = selectors.household_export(other)
    assert data["tickets"] == data["anomalies"] == data["retired_card_codes"] == []
    assert data["import_copies"] == []


def test_form_export_and_anonymisation_all_derive_from_the_one_list(world):
    personal = Household.PERSONAL_FIELDS
    assert HouseholdForm.Meta.fields == [*personal, *Household.FILE_FIELDS]
    assert services.PERSONAL_FIELDS is personal
    assert set(personal) <= set(selectors.EXPORT_FIELDS)
    assert set(Household.KEPT_FOR_STATISTICS) <= set(personal)
    assert tuple(MemberForm.base_fields) == HouseholdMember.PERSONAL_FIELDS

    filled = {
        "last_name": "Plein",
        "first_name": "Tout",
        "birth_date": date(1970, 1, 1),
        "phone": "0600000000",
        "email": "tout@example.org",
        "address": "1 rue du Port",
        "postal_code": "69000",
        "commune": "Lyon",
        "referrer_service": "CCAS",
        "referrer_name": "M. Social",
        "referrer_contact": "0700000000",
        "income_cents": 100000,
        "charges_cents": 40000,
        "notes": "Une note",
    }
    assert set(filled) == set(personal)
    household = services.household_create(store=world.store_a, actor=None, data=filled)
    services.household_members_set(
        household=household, actor=None, members=[{"first_name": "Tout", "is_adult": True}]
    )
    export = selectors.household_export(household)
    assert {field: export["household"][field] for field in personal} == {
        **filled,
        "birth_date": "1970-01-01",
    }
    assert tuple(export["members"][0]) == HouseholdMember.PERSONAL_FIELDS

    services.household_anonymise(household=household)
    household.refresh_from_db()
    for field in personal:
        value = getattr(household, field)
        if field in Household.KEPT_FOR_STATISTICS:
            assert value == filled[field], field
        else:
            assert value in ("", None), field
    assert RetiredCode.objects.filter(household=household).exists()


def test_a_manager_of_another_shop_cannot_export_the_household(world, client, shop_a):
    client.force_login(world.charlie)
    response = client.get(reverse("beneficiaries:export", args=[shop_a.household.pk]))
    assert response.status_code == 404


def test_the_migration_rewrites_old_messages_without_the_name(world, shop_a, till_a):
    from importlib import import_module
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from cabas.gestion.sales import services as sales_services

    migration = import_module("cabas.gestion.sales.migrations.0009_anomaly_messages_without_names")
    assert [(p.pattern, r) for p, r in migration.NAMED_MESSAGES] == [
        (p.pattern, r) for p, r in sales_services._NAMED_MESSAGES
    ]
    over_budget_and_suspended(shop_a, till_a)
    Anomaly.objects.filter(kind="beneficiary_suspended").update(
        message="Vente au foyer DUPONT M. dont les droits sont suspendus."
    )
    migration.rewrite(apps, SimpleNamespace(connection=connection))
    assert "DUPONT" not in texts(Anomaly.objects.all()).upper()
    assert Anomaly.objects.filter(
        message="Vente à un foyer dont les droits sont suspendus."
    ).exists()


def test_vos_donnees_is_a_french_pdf_with_every_registered_part(
    world, client, shop_a, till_a, tmp_path
):
    import subprocess

    from cabas.gestion.beneficiaries.parts import household_parts
    from cabas.gestion.beneficiaries.privacy_pdf import household_sections

    household = shop_a.household
    first_code = household.code
    services.household_card_reissue(household=household, actor=world.alice)
    household.refresh_from_db()
    services.household_update(
        household=household, actor=None, data={"birth_date": date(1980, 3, 7), "phone": "0611"}
    )
    over_budget_and_suspended(shop_a, till_a)
    client.force_login(world.alice)
    detail = client.get(reverse("beneficiaries:detail", args=[household.pk])).content.decode()
    url = reverse("beneficiaries:export_pdf", args=[household.pk])
    assert url in detail and reverse("beneficiaries:export", args=[household.pk]) in detail
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "vos-donnees.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "Vos données" in text and "Épicerie A" in text
    for heading in (
        "Votre dossier",
        "Vos périodes de droits",
        "Vos dépenses par mois",
        "Vos anciens codes de carte",
        "Qui a ouvert votre dossier",
    ):
        assert heading in text, heading
    # Every part the apps registered has its sections in the PDF.
    for part in household_parts():
        for section in part.document(household):
            assert section.title in text, (part.name, section.title)
    assert "Vos passages en caisse" in text and "Budget du foyer dépassé" in text
    assert "Dossier créé le" in text and "Created at" not in text
    assert "07/03/1980" in text and "1980-03-07" not in text  # dates dd/mm/yyyy
    assert "51,00 €" in text and "5100" not in text  # euros, not cents
    assert "170 × Spaghetti" in text
    assert first_code in text
    assert "total_cents" not in text and "rights_periods" not in text  # no English keys
    # The download is traced as an export, as the JSON one.
    assert household.accesses.filter(action="export").exists()
    assert [s.title for s in household_sections(household)][0] == "Votre dossier"


def test_a_manager_of_another_shop_gets_404_for_the_pdf(world, client, shop_a):
    client.force_login(world.charlie)
    response = client.get(reverse("beneficiaries:export_pdf", args=[shop_a.household.pk]))
    assert response.status_code == 404
