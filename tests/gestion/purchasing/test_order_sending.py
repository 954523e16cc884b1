"""Sending an order: the bon de commande PDF, the e-mail after commit with the PDF attached, and
a mail server that fails twice then accepts: sent once, its state shown on the order."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, timedelta
from smtplib import SMTPServerDisconnected
from typing import Any

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.mail.backends.locmem import EmailBackend
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from cabas.gestion.purchasing.mail import outgoing_email_deliver, outgoing_emails_deliver_due
from cabas.gestion.purchasing.models import EmailState, OrderState, OutgoingEmail
from cabas.gestion.purchasing.pdf import purchase_order_pdf
from cabas.gestion.purchasing.services import purchase_order_resend, purchase_order_send
from tests.conftest import require_tool

pytestmark = pytest.mark.django_db


class FlakyBackend(EmailBackend):
    """Django's locmem backend behind a mail server that is down for the first N sends."""

    failures_left = 0
    calls = 0

    def send_messages(self, messages: Any) -> int:
        type(self).calls += 1
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


def dress_the_shop(shop: Any) -> None:
    store = shop.world.store_a
    store.address, store.postal_code, store.city = "12 rue de la Solidarité", "69003", "Lyon"
    store.phone, store.email = "04 78 00 00 00", "contact@epicerie-a.example"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (46, 125, 50)).save(buffer, format="PNG")
    store.logo.save("logo.png", ContentFile(buffer.getvalue()), save=False)
    store.save()


def test_the_bon_de_commande_says_everything_in_french(shop, output_dir) -> None:
    dress_the_shop(shop)
    order = shop.order(pasta=3, apples=2)
    order.expected_on = date(2026, 12, 3)
    order.note = "Livraison par l'arrière de la boutique, sonnez deux fois."
    order.save()
    pdf = purchase_order_pdf(order)
    (output_dir / "bon-de-commande.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        f"Bon de commande {order.reference}",
        "Épicerie A",
        "12 rue de la Solidarité",
        "Grossiste du Rhône",
        "À l'attention de M. Martin",
        "Pâtes coquillettes 500 g",
        "PAT-500",
        "Pommes Golden",
        "5 kg",
        "28,80 €",  # 3 × 9,60 €
        "15,00 €",  # 2 × 7,50 €
        "Total HT 43,80 €",
        "Livraison souhaitée : jeudi 3 décembre 2026",
        "sonnez deux fois",
        "Date et signature",
    ):
        assert expected in text, expected
    assert len(reader.pages[0].images) == 1  # the shop's logo
    pdftoppm = shutil.which("pdftoppm")
    require_tool("pdftoppm", pdftoppm is not None, "pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        [
            str(pdftoppm),
            "-png",
            "-r",
            "60",
            str(output_dir / "bon-de-commande.pdf"),
            str(output_dir / "bon-de-commande"),
        ],
        check=True,
    )
    assert list(output_dir.glob("bon-de-commande*.png"))


def test_a_shop_without_a_logo_still_gets_its_bon_de_commande(shop) -> None:
    order = shop.order(rice=1)
    text = PdfReader(io.BytesIO(purchase_order_pdf(order))).pages[0].extract_text()
    assert "Riz long 1 kg" in text


def test_sending_mails_the_pdf_to_the_supplier_after_commit(
    shop, django_capture_on_commit_callbacks
) -> None:
    dress_the_shop(shop)
    order = shop.order(pasta=2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        purchase_order_send(order=order, actor=shop.world.diane)
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    [message] = mail.outbox
    assert message.to == ["commandes@grossiste.example"]
    assert message.reply_to == ["contact@epicerie-a.example"]
    assert message.subject == f"Bon de commande {order.reference} — Épicerie A"
    assert "Bonjour M. Martin" in message.body
    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == (f"bon-de-commande-{order.reference}.pdf", "application/pdf")
    assert "Pâtes coquillettes" in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    order.refresh_from_db()
    assert order.state == OrderState.SENT
    email = OutgoingEmail.objects.get(order=order)
    assert (email.state, email.attempts) == (EmailState.SENT, 1)


def test_a_mail_server_down_twice_then_up_sends_once_and_the_order_shows_it(
    shop, settings, django_capture_on_commit_callbacks, client
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures_left, FlakyBackend.calls = 2, 0
    order = shop.order(pasta=2)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_send(order=order, actor=shop.world.diane)
    email = OutgoingEmail.objects.get(order=order)
    assert (email.state, email.attempts) == (EmailState.FAILED, 1)
    assert "SMTPServerDisconnected" in email.last_error
    first_retry = email.next_attempt_at
    assert first_retry is not None
    assert first_retry > timezone.now() + timedelta(seconds=50)

    client.force_login(shop.world.diane)
    page = client.get(reverse("purchasing:order_detail", args=[order.pk])).content.decode()
    assert "échec, nouvel essai à" in page
    assert f"{timezone.localtime(first_retry):%H:%M}" in page

    assert outgoing_emails_deliver_due() == {}  # not due yet: nothing tried
    assert FlakyBackend.calls == 1
    later = first_retry + timedelta(seconds=1)
    assert outgoing_emails_deliver_due(now=later) == {EmailState.FAILED: 1}
    email.refresh_from_db()
    second_retry = email.next_attempt_at
    assert second_retry is not None
    assert email.attempts == 2 and second_retry > later + timedelta(seconds=100)
    assert outgoing_emails_deliver_due(now=second_retry) == {EmailState.SENT: 1}
    assert len(mail.outbox) == 1 and FlakyBackend.calls == 3

    # Another pass, or a stray job for the same e-mail, sends nothing more.
    assert outgoing_emails_deliver_due(now=timezone.now() + timedelta(days=1)) == {}
    assert outgoing_email_deliver(email_id=email.pk) == EmailState.SENT
    assert len(mail.outbox) == 1 and FlakyBackend.calls == 3
    email.refresh_from_db()
    assert (email.state, email.attempts) == (EmailState.SENT, 3)
    page = client.get(reverse("purchasing:order_detail", args=[order.pk])).content.decode()
    assert "envoyé le" in page and "commandes@grossiste.example" in page


def test_an_e_mail_claimed_by_one_worker_is_not_sent_by_another(shop) -> None:
    order = shop.order(pasta=1)
    purchase_order_send(order=order, actor=shop.world.diane)  # on_commit never runs here
    email = OutgoingEmail.objects.get(order=order)
    OutgoingEmail.objects.filter(pk=email.pk).update(
        state=EmailState.SENDING, claimed_at=timezone.now()
    )
    assert outgoing_email_deliver(email_id=email.pk) == EmailState.SENDING
    assert mail.outbox == []


def test_the_same_sending_is_one_e_mail_and_a_resend_is_another(
    shop, django_capture_on_commit_callbacks
) -> None:
    order = shop.order(pasta=1)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_send(order=order, actor=shop.world.diane)
    from cabas.gestion.purchasing.mail import purchase_order_email_queue

    order.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_email_queue(order=order)  # queued again by mistake: same key
    assert OutgoingEmail.objects.filter(order=order).count() == 1
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_resend(order=order, actor=shop.world.diane)
    assert OutgoingEmail.objects.filter(order=order).count() == 2
    assert len(mail.outbox) == 2


def test_the_worker_command_sends_what_is_due(shop, django_capture_on_commit_callbacks) -> None:
    from django.core.management import call_command

    order = shop.order(pasta=1)
    purchase_order_send(order=order, actor=shop.world.diane)  # first try never ran
    out = io.StringIO()
    call_command("send_pending_mail", stdout=out)
    assert "sent: 1" in out.getvalue()
    assert len(mail.outbox) == 1
