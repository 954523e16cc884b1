"""`cabas create_enrollment_code --store SLUG`: a single-use code for a new till (last line)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cabas.gestion.pos.services import enrollment_code_create
from cabas.gestion.stores.models import Store


class Command(BaseCommand):
    help = "Print a single-use enrolment code (valid 24 h) with which one till joins a shop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", required=True, help="the shop's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        store = Store.objects.filter(slug=options["store"], is_active=True).first()
        if store is None:
            raise CommandError(f"Aucune épicerie active avec l'identifiant « {options['store']} ».")
        new = enrollment_code_create(store=store)
        self.stdout.write(
            f"Code d'enrôlement pour « {store.name} », valable une fois jusqu'au "
            f"{new.record.expires_at:%d/%m/%Y %H:%M} (UTC) :"
        )
        self.stdout.write(new.code)
