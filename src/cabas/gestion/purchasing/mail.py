"""The outbox of e-mails to suppliers: queued in the transaction that decides to send, sent after
commit, retried until the mail server accepts, never sent twice.

How a row moves (``OutgoingEmail.state``)::

    pending ──claim──▶ sending ──accepted──▶ sent
       ▲                  │
       └──── failed ◀─────┘ refused / server down (next_attempt_at = now + backoff)

A row is *claimed* by one conditional UPDATE (``pending``/``failed`` and due → ``sending``),
so of two workers racing for it only one sends. A worker that dies between the claim and the
result leaves the row ``sending``: it is NOT retried by itself (the server may have accepted the
message), the order page says "envoi interrompu" and a person may ask for a new try.
Every message carries a stable Message-ID built from the row's key, so a mail server that
receives one twice after such a manual retry can still tell it is the same message.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_tasks import task

from cabas.gestion.purchasing.models import EmailState, OutgoingEmail, PurchaseOrder
from cabas.gestion.purchasing.pdf import purchase_order_pdf

logger = logging.getLogger(__name__)

# Seconds before the n-th retry: 1 min, 2, 4, 8, … capped at one hour; never given up.
FIRST_RETRY_SECONDS = 60
MAX_RETRY_SECONDS = 3600
# A claim older than this is shown as interrupted (the worker died while sending).
STALE_CLAIM = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 20


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failed tries (exponential, capped)."""
    seconds = FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, MAX_RETRY_SECONDS))


def order_email_key(order: PurchaseOrder) -> str:
    return f"purchase-order:{order.pk}:send-{order.send_count}"


def purchase_order_email_queue(*, order: PurchaseOrder) -> OutgoingEmail:
    """Queue the bon de commande of ``order`` for its supplier. Call inside the transaction that
    sends the order: the row commits with it, and the first try starts after commit."""
    with translation.override("fr"):
        pdf = purchase_order_pdf(order)
        context = {"order": order, "store": order.store, "supplier": order.supplier}
        subject = render_to_string("purchasing/email/order_subject.txt", context)
        body = render_to_string("purchasing/email/order_body.txt", context)
    email, _created = OutgoingEmail.objects.get_or_create(
        key=order_email_key(order),
        defaults={
            "store_id": order.store_id,
            "order": order,
            "to": [order.supplier.email],
            "reply_to": [order.store.email] if order.store.email else [],
            "subject": " ".join(subject.split())[:200],
            "body": body,
            "attachment_name": f"bon-de-commande-{order.reference}.pdf",
            "attachment": pdf,
            "attachment_mimetype": "application/pdf",
            "next_attempt_at": timezone.now(),
        },
    )
    transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def _enqueue(email_id: int) -> None:
    try:
        deliver_outgoing_email.enqueue(email_id)
    except Exception:  # the row is durable: the worker (send_pending_mail) will send it
        logger.exception("could not enqueue e-mail %s; the mail worker will pick it up", email_id)


def _claim(email_id: int, now: datetime) -> bool:
    due = Q(state__in=[EmailState.PENDING, EmailState.FAILED]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    claimed = OutgoingEmail.objects.filter(due, pk=email_id).update(
        state=EmailState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def _message(email: OutgoingEmail, connection: BaseEmailBackend) -> EmailMessage:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "cabas.local"
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(email.to),
        reply_to=list(email.reply_to) or None,
        connection=connection,
        headers={"Message-ID": f"<{email.key.replace(':', '.')}@{domain}>"},
    )
    if email.attachment_name:
        message.attach(
            email.attachment_name, bytes(email.attachment), email.attachment_mimetype or None
        )
    return message


def outgoing_email_deliver(*, email_id: int, now: datetime | None = None) -> str:
    """Try to send one e-mail if it is due and nobody else is sending it. Returns its state.

    Runs OUTSIDE any transaction: the claim commits before the mail server is called, so a
    second worker sees ``sending`` and leaves the row alone."""
    now = now or timezone.now()
    if not _claim(email_id, now):
        return (
            OutgoingEmail.objects.filter(pk=email_id).values_list("state", flat=True).first() or ""
        )
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        connection = get_connection(fail_silently=False, timeout=SMTP_TIMEOUT_SECONDS)
        sent = _message(email, connection).send(fail_silently=False)
        if not sent:
            raise RuntimeError("the mail server accepted no recipient")
    except Exception as error:  # noqa: BLE001  any refusal of the mail server: try again later
        logger.warning("e-mail %s not sent (try %s): %s", email.key, email.attempts, error)
        OutgoingEmail.objects.filter(pk=email.pk, state=EmailState.SENDING).update(
            state=EmailState.FAILED,
            next_attempt_at=now + retry_delay(email.attempts),
            last_error=f"{type(error).__name__}: {error}"[:300],
        )
        return EmailState.FAILED
    OutgoingEmail.objects.filter(pk=email.pk).update(
        state=EmailState.SENT, sent_at=timezone.now(), last_error=""
    )
    return EmailState.SENT


# The job, run by the configured django-tasks backend (settings.TASKS). django-tasks 0.12 ships no
# durable backend and no retries, so the job is only the *first try* of an e-mail after commit;
# durability and retries live in the outbox rows that ``cabas send_pending_mail`` works through.
# A lost or failed job therefore loses nothing.
@task()
def deliver_outgoing_email(email_id: int) -> str:
    return outgoing_email_deliver(email_id=email_id)


def outgoing_emails_due(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        OutgoingEmail.objects.filter(state__in=[EmailState.PENDING, EmailState.FAILED])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:100]
    )


def outgoing_emails_deliver_due(*, now: datetime | None = None) -> dict[str, int]:
    """One pass of the mail worker: try every due e-mail once. Returns counts per result."""
    results: dict[str, int] = {}
    for email_id in outgoing_emails_due(now):
        state = outgoing_email_deliver(email_id=email_id, now=now)
        results[state] = results.get(state, 0) + 1
    return results


def outgoing_email_retry_now(*, email: OutgoingEmail) -> OutgoingEmail:
    """A person asks for a new try now: a failed e-mail, or one whose sending was interrupted
    (they accept that the supplier might then receive it twice)."""
    now = timezone.now()
    interrupted = Q(state=EmailState.SENDING, claimed_at__lt=now - STALE_CLAIM)
    OutgoingEmail.objects.filter(Q(state=EmailState.FAILED) | interrupted, pk=email.pk).update(
        state=EmailState.PENDING, next_attempt_at=now
    )
    transaction.on_commit(lambda: _enqueue(email.pk))
    email.refresh_from_db()
    return email


def is_interrupted(email: OutgoingEmail, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        email.state == EmailState.SENDING
        and email.claimed_at is not None
        and email.claimed_at < now - STALE_CLAIM
    )
