"""The partners' form (no account, bad input, throttle), the team's pages, the committee's
page, its decisions, minutes and e-mails."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core import mail
from django.urls import reverse

from cabas.gestion.admissions import services
from cabas.gestion.admissions.models import Referral
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.beneficiaries.models import Household
from tests.gestion.admissions.factories import make_link, make_referral, make_session


def form_data(**data: str) -> dict[str, str]:
    return {
        "referrer_name": "Sophie Martin",
        "referrer_email": "sophie@ccas.example.org",
        "last_name": "Benali",
        "first_name": "Nadia",
        "adults": "1",
        "children": "2",
        "income_cents": "1100",
        "charges_cents": "820,50",
        "reason": "Dettes d'énergie",
        "consent": "on",
        **data,
    }


def public_url(link) -> str:
    return reverse("admissions:public", args=[services.partner_link_token(link)])


def test_a_partner_sends_a_referral_and_sees_only_its_reference(client, world) -> None:
    services.admission_settings_update(
        store=world.store_a, actor=world.alice, data={}, questions=["Véhicule ?"]
    )
    link = make_link(world.store_a, world.alice, service="CCAS de Lyon")
    page = client.get(public_url(link)).content.decode()
    assert "Véhicule ?" in page and "Épicerie A" in page and "CCAS de Lyon" in page
    response = client.post(public_url(link), form_data(question_0="Non"), follow=True)
    referral = Referral.objects.get()
    assert referral.store == world.store_a and referral.service == "CCAS de Lyon"
    assert referral.income_cents == 110000 and referral.charges_cents == 82050
    assert referral.answers == [{"question": "Véhicule ?", "answer": "Non"}]
    html = response.content.decode()
    assert referral.reference in html
    for personal in ("Benali", "Nadia", "Dettes", "Sophie", "1\u202f100", "820"):
        assert personal not in html


def test_another_shops_link_sends_to_that_shop_only(client, world) -> None:
    link_b = make_link(world.store_b, world.charlie, service="Association B")
    client.post(public_url(link_b), form_data())
    assert Referral.objects.get().store == world.store_b
    client.force_login(world.alice)
    assert "OR-" not in client.get(reverse("admissions:queue")).content.decode()
    referral = Referral.objects.get()
    assert client.get(reverse("admissions:detail", args=[referral.pk])).status_code == 404


@pytest.mark.parametrize(
    "problem",
    ["expired", "revoked", "forged", "truncated", "garbage"],
)
def test_a_link_that_is_no_longer_valid_says_so_in_french(client, world, problem) -> None:
    link = make_link(world.store_a, world.alice, days=1)
    token = services.partner_link_token(link)
    if problem == "expired":
        link.expires_on = world.store_a.today() - timedelta(days=1)
        link.save()
    elif problem == "revoked":
        services.partner_link_revoke(link=link, actor=world.alice)
    elif problem == "forged":
        token = token[:-3] + "abc"
    elif problem == "truncated":
        token = token.split(":")[0]
    else:
        token = "%ED%A0%80" + "9" * 40
    for method in ("get", "post"):
        response = getattr(client, method)(f"/orientation/{token}/", form_data())
        assert response.status_code == 404
        assert "Demandez" in response.content.decode()
    assert not Referral.objects.exists()


def test_twenty_sends_a_minute_then_a_french_message(client, world) -> None:
    link = make_link(world.store_a, world.alice)
    for _n in range(20):
        response = client.post(public_url(link), form_data(adults="0"))
        assert response.status_code == 200
    response = client.post(public_url(link), form_data())
    assert response.status_code == 429
    assert "Trop de fiches ont été envoyées" in response.content.decode()
    assert int(response["Retry-After"]) <= 60
    assert not Referral.objects.exists()


def _raw_post(client, url: str, **fields: str):
    """A body as a browser (or a script) may send it, bytes percent-encoded as given."""
    data = {**form_data(), **fields}
    body = "&".join(f"{k}={v if k in fields else quote(v)}" for k, v in data.items())
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("last_name", "%ED%A0%80", "caractères invalides"),
        ("reason", "ok%ED%B0%80ok", "caractères invalides"),
        ("referrer_email", "a%ED%A0%80@example.org", "caractères invalides"),
        ("last_name", "A%00B", "caractères invalides"),
        ("adults", str(2**63), "inférieure ou égale à 20"),
        ("children", str(-(2**63)), "supérieure ou égale à 0"),
        ("income_cents", str(2**63), "chiffres"),
        ("charges_cents", "99999999", "inférieure ou égale à 100"),
        ("birth_date", "9999-12-31", "entre 1900 et 2100"),
        ("birth_date", "2099-01-01", "futur"),
        ("birth_date", "0001-01-01", "entre 1900 et 2100"),
        ("birth_date", "2026-02-30", "date valide"),
    ],
)
def test_bad_input_gets_a_french_message(client, world, field, value, message) -> None:
    link = make_link(world.store_a, world.alice)
    response = _raw_post(client, public_url(link), **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Referral.objects.exists()


def test_the_team_enters_a_paper_referral_and_opening_it_is_audited(alice_client, world) -> None:
    response = alice_client.post(
        reverse("admissions:create"), {**form_data(service="Mission locale"), "consent": ""}
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.source == "paper" and referral.created_by == world.alice
    page = alice_client.get(reverse("admissions:detail", args=[referral.pk])).content.decode()
    assert "Benali" in page and "Dettes" in page
    opened = AuditEvent.objects.get(action="admissions.referral_opened")
    assert opened.actor == world.alice and opened.target_repr == referral.reference


def test_cashiers_and_stock_managers_see_no_referral(client, world) -> None:
    referral = make_referral(world.store_a, world.alice)
    for person in (world.bob, world.diane):
        client.force_login(person)
        assert client.get(reverse("admissions:queue")).status_code == 403
        assert client.get(reverse("admissions:detail", args=[referral.pk])).status_code == 403
        assert "Admissions" not in client.get("/").content.decode()


def test_links_are_created_shown_and_revoked(alice_client, world) -> None:
    day = (world.store_a.today() + timedelta(days=90)).isoformat()
    response = alice_client.post(
        reverse("admissions:links"), {"service": "CCAS", "expires_on": day}
    )
    assert response.status_code == 302
    page = alice_client.get(reverse("admissions:links")).content.decode()
    link = services.partner_link_for_token
    assert "/orientation/" in page
    response = alice_client.post(
        reverse("admissions:links"), {"service": "X", "expires_on": "9999-01-01"}
    )
    assert "entre 2000 et 2100" in response.content.decode()
    assert link  # the token page is tested above


def test_the_committee_decides_prints_its_minutes_and_tells_the_referrers(
    alice_client, world, django_capture_on_commit_callbacks, tmp_path
) -> None:
    first = make_referral(world.store_a, world.alice)
    second = make_referral(world.store_a, world.alice, last_name="Durand", income_cents=300000)
    response = alice_client.post(
        reverse("admissions:sessions"),
        {
            "held_on": world.store_a.today().isoformat(),
            "members": "Alice, CCAS",
            "referrals": [first.pk, second.pk],
        },
    )
    assert response.status_code == 302
    url = response["Location"]
    page = alice_client.get(url).content.decode()
    assert "3,11" in page and "sous le seuil de 10,00" in page and "30,00" in page
    assert "au-dessus du seuil" in page
    session = first.decisions.get().session
    d1, d2 = first.decisions.get(), second.decisions.get()
    # A refusal without its reason: the page again, with the message.
    response = alice_client.post(
        reverse("admissions:decide", args=[session.pk, d2.pk]), {f"d{d2.pk}-outcome": "refused"}
    )
    assert response.status_code == 400 and "Indiquez le motif du refus" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("admissions:decide", args=[session.pk, d1.pk]),
            {
                f"d{d1.pk}-outcome": "admitted",
                f"d{d1.pk}-months": "6",
                f"d{d1.pk}-budget_cents": "32,50",
                f"d{d1.pk}-start": world.store_a.today().isoformat(),
            },
        )
        assert response.status_code == 302
        alice_client.post(
            reverse("admissions:decide", args=[session.pk, d2.pk]),
            {f"d{d2.pk}-outcome": "refused", f"d{d2.pk}-reason": "Reste à vivre suffisant"},
        )
    household = Household.objects.get()
    assert household.monthly_budget_cents == 3250 and household.last_name == "Benali"
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert "Benali" not in message.body and "Durand" not in message.body
        assert "suffisant" not in message.body
    pdf = alice_client.get(reverse("admissions:minutes", args=[session.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    if shutil.which("pdftotext"):
        (tmp_path / "m.pdf").write_bytes(pdf.content)
        text = subprocess.run(
            ["pdftotext", "-layout", str(tmp_path / "m.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "Commission d'admission du" in text and first.reference in text
        assert "BENALI N." in text and "Admis : 6 mois" in text and "32,50" in text
        assert "Refusé : Reste à vivre suffisant" in text
        assert "Alice, CCAS" in text


def test_a_session_of_another_shop_is_not_found(client, world) -> None:
    session = make_session(world.store_a, world.alice, [make_referral(world.store_a, world.alice)])
    client.force_login(world.charlie)
    assert client.get(reverse("admissions:session", args=[session.pk])).status_code == 404
    assert client.get(reverse("admissions:minutes", args=[session.pk])).status_code == 404
