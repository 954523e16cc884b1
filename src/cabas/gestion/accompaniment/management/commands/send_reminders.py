"""`cabas send_reminders [--store SLUG] [--loop] [--interval S]`: remind the households of
their coming appointments (e-mail, and SMS where the shop and the server send them), each
once. Made to run every few minutes (cron, systemd timer) or as a worker with --loop."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cabas.gestion.accompaniment.services import appointment_reminders_send
from cabas.gestion.stores.models import Store


class Command(BaseCommand):
    help = "Envoie les rappels des rendez-vous à venir (e-mail, SMS si activé)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", help="identifiant d'une seule épicerie")
        parser.add_argument("--loop", action="store_true", help="Tourner sans fin (worker).")
        parser.add_argument("--interval", type=float, default=300.0, help="Secondes entre passes.")

    def handle(
        self,
        *args: Any,
        store: str | None = None,
        loop: bool = False,
        interval: float = 300.0,
        **options: Any,
    ) -> None:
        shop = None
        if store:
            shop = Store.objects.filter(slug=store).first()
            if shop is None:
                raise CommandError(f"Épicerie inconnue : {store}")
        while True:
            counts = appointment_reminders_send(store=shop)
            self.stdout.write(
                f"{counts['email']} e-mail(s), {counts['sms']} SMS, "
                f"{counts['failed']} en échec, {counts['skipped']} sans contact."
            )
            if not loop:
                return
            time.sleep(interval)
