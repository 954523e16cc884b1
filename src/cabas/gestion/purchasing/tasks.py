"""Jobs of purchasing, run by the configured django-tasks backend (settings.TASKS).

django-tasks 0.12 ships no durable backend and no retries, so the job is only the *first try*
of an e-mail after commit; durability and retries live in the outbox rows
(:class:`~cabas.gestion.purchasing.models.OutgoingEmail`) that ``cabas send_pending_mail`` works
through. A lost or failed job therefore loses nothing.
"""

from __future__ import annotations

from django_tasks import task

from cabas.gestion.purchasing.mail import outgoing_email_deliver


@task()
def deliver_outgoing_email(email_id: int) -> str:
    return outgoing_email_deliver(email_id=email_id)
