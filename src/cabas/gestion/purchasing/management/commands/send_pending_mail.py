"""`cabas send_pending_mail [--loop] [--interval S]`: send the e-mails of the outbox that are due
(new ones whose first try did not happen, and failed ones whose retry time has come)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cabas.gestion.purchasing.mail import outgoing_emails_deliver_due


class Command(BaseCommand):
    help = "Envoie les e-mails en attente (bons de commande) et réessaie ceux en échec."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Tourner sans fin (worker).")
        parser.add_argument("--interval", type=float, default=15.0, help="Secondes entre passes.")

    def handle(
        self, *args: Any, loop: bool = False, interval: float = 15.0, **options: Any
    ) -> None:
        while True:
            results = outgoing_emails_deliver_due()
            if results or not loop:
                summary = ", ".join(f"{state}: {n}" for state, n in sorted(results.items()))
                self.stdout.write(summary or "nothing due")
            if not loop:
                return
            time.sleep(interval)
