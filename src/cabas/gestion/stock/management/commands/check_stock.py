"""`cabas check_stock [--store SLUG] [--fix]`: recompute every stock level from the ledger."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cabas.gestion.catalog.models import Product
from cabas.gestion.stock.selectors import stock_levels_check
from cabas.gestion.stock.services import stock_levels_fix
from cabas.gestion.stores.models import Store


class Command(BaseCommand):
    help = (
        "Recalcule le stock de chaque produit et de chaque lot depuis le registre des "
        "mouvements et signale les écarts (code de sortie 1 s'il y en a, même corrigés). "
        "--fix les corrige, chacun tracé dans le journal."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", help="identifiant de l'épicerie (toutes par défaut)")
        parser.add_argument("--fix", action="store_true", help="corriger les écarts trouvés")

    def handle(
        self, *args: Any, store: str | None = None, fix: bool = False, **options: Any
    ) -> None:
        stores = Store.objects.order_by("slug")
        if store:
            stores = stores.filter(slug=store)
            if not stores.exists():
                raise CommandError(f"Épicerie inconnue : {store}")
        found = 0
        for shop in stores:
            differences = stock_levels_check(store=shop)
            found += len(differences)
            if not differences:
                self.stdout.write(f"{shop.slug} : stock conforme au registre.")
                continue
            names = dict(
                Product.objects.filter(pk__in={d.product_id for d in differences}).values_list(
                    "pk", "name"
                )
            )
            self.stdout.write(f"{shop.slug} : {len(differences)} écart(s)")
            for d in differences:
                what = "produit" if d.kind == "product" else f"lot {d.pk} de"
                self.stdout.write(
                    f"  {what} {names.get(d.product_id, d.product_id)} (#{d.product_id}) : "
                    f"enregistré {d.stored}, registre {d.ledger} (écart {d.delta:+d})"
                )
            if fix:
                stock_levels_fix(store=shop, differences=differences, actor=None)
                self.stdout.write(self.style.SUCCESS(f"  corrigé ({len(differences)})."))
        if found:
            sys.exit(1)
