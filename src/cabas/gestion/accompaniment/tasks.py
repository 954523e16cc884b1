"""Jobs of the accompaniment, run by the configured django-tasks backend (settings.TASKS), as
purchasing's are. The reminders are idempotent (one claim per appointment), so a job run twice,
late, or beside `cabas send_reminders` never reminds anyone twice."""

from __future__ import annotations

from django_tasks import task

from cabas.gestion.accompaniment.services import appointment_reminders_send


@task()
def send_appointment_reminders() -> dict[str, int]:
    return appointment_reminders_send()
