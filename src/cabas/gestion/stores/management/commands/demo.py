"""`cabas demo [--password PW]`: create or complete the demo shops and print their logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cabas.gestion.stores.demo import DEMO_SHOPS, ROLE_SUFFIXES, demo_load


class Command(BaseCommand):
    help = "Crée (sans doublon) les épiceries de démonstration et leurs utilisateurs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", help="mot de passe des comptes de démonstration")

    def handle(self, *args: Any, password: str | None = None, **options: Any) -> None:
        password = demo_load(password=password, log=self.stdout.write)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Comptes de démonstration :"))
        for shop in DEMO_SHOPS:
            for suffix in ROLE_SUFFIXES.values():
                self.stdout.write(f"  {shop.slug}-{suffix:<12} mot de passe : {password}")
