"""`cabas purge_beneficiaries [--dry-run]`: anonymise the households whose rights ended more
than the shop's delay ago (24 months unless the shop set another). Safe to run every night: an
anonymised household is never touched again.

It also drops the household files (and product files) imports no longer need: the cells of
applied or cancelled imports, and the files left unconfirmed for more than a day."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.selectors import households_to_anonymise
from cabas.gestion.beneficiaries.services import household_anonymise
from cabas.gestion.imports import pending_imports_purge
from cabas.gestion.stores.models import Store


class Command(BaseCommand):
    help = "Anonymise les foyers dont les droits ont pris fin depuis plus que le délai choisi."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="compter sans rien modifier")
        parser.add_argument("--store", help="identifiant d'une seule épicerie")

    def handle(
        self, *args: Any, dry_run: bool = False, store: str | None = None, **options: Any
    ) -> None:
        stores = Store.objects.order_by("slug")
        if store:
            stores = stores.filter(slug=store)
        total = files = 0
        for shop in stores:
            due = list(households_to_anonymise(shop, shop.today()).values_list("pk", flat=True))
            done = 0
            if not dry_run:
                for household in Household.objects.filter(pk__in=due).iterator():
                    done += household_anonymise(household=household)
            count = len(due) if dry_run else done
            total += count
            if count:
                verb = "à anonymiser" if dry_run else "anonymisé(s)"
                self.stdout.write(f"{shop.slug} : {count} foyer(s) {verb}")
            dropped = pending_imports_purge(store=shop, dry_run=dry_run)
            files += dropped
            if dropped:
                verb = "à effacer" if dry_run else "effacé(s)"
                self.stdout.write(f"{shop.slug} : {dropped} fichier(s) d'import {verb}")
        verb = "seraient effacés" if dry_run else "effacés"
        self.stdout.write(f"{files} fichier(s) d'import {verb}.")
        verb = "seraient anonymisés" if dry_run else "anonymisés"
        self.stdout.write(self.style.SUCCESS(f"{total} foyer(s) {verb}."))
