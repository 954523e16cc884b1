"""`cabas purge_quarantine [--dry-run]`: erase the quarantined payloads (refused bodies of the
tills) received more than CABAS_QUARANTINE_RETENTION_DAYS days ago (90 unless set), seen by
the manager or not. Safe to run every night."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cabas.gestion.sales.services import quarantine_purge


class Command(BaseCommand):
    help = "Efface les envois refusés (quarantaine) plus anciens que la durée de conservation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="compter sans rien effacer")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        count = quarantine_purge(dry_run=dry_run)
        days = settings.CABAS_QUARANTINE_RETENTION_DAYS
        verb = "seraient effacés" if dry_run else "effacés"
        self.stdout.write(
            self.style.SUCCESS(f"{count} envoi(s) en quarantaine de plus de {days} jours {verb}.")
        )
