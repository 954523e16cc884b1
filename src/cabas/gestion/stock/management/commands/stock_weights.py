"""`cabas stock_weights [--store SLUG] [--from-catalogue]`: weigh what has no weight yet.

Movements (and ticket lines) are weighed when they are written, from the product's net weight
at that time. This command weighs those written before the product had a weight: run it after
typing or importing weights. ``--from-catalogue`` first gives the generic catalogue's weights
to the products made from it that have none.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import F

from cabas.gestion.catalog.models import Product, Unit
from cabas.gestion.catalog.services import products_weigh_from_catalogue
from cabas.gestion.stock.weights import movements_weigh_missing
from cabas.gestion.stores.models import Store


def _weigh_lines(store: Store) -> int:
    """The ticket lines of the shop without a weight whose product now has one."""
    try:
        line_model = apps.get_model("sales", "TicketLine")
    except LookupError:
        return 0
    pending = line_model.objects.filter(store=store, grams__isnull=True)
    weighed = int(pending.filter(unit=Unit.KG).update(grams=F("quantity")))
    for pk, weight in (
        Product.objects.filter(store=store, net_weight_g__isnull=False)
        .exclude(unit=Unit.KG)
        .values_list("pk", "net_weight_g")
    ):
        assert weight is not None  # filtered on net_weight_g__isnull=False
        weighed += int(pending.filter(product_id=pk).update(grams=F("quantity") * weight))
    return weighed


class Command(BaseCommand):
    help = (
        "Donne leur poids aux mouvements de stock et aux lignes de ticket enregistrés avant que "
        "leur produit ait un poids net ; --from-catalogue reprend d'abord les poids du "
        "catalogue générique pour les produits qui en viennent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--store", help="identifiant de l'épicerie (toutes par défaut)")
        parser.add_argument(
            "--from-catalogue",
            action="store_true",
            help="reprendre les poids du catalogue générique (sans écraser ceux saisis)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stores = Store.objects.order_by("slug")
        if options.get("store"):
            stores = stores.filter(slug=options["store"])
            if not stores.exists():
                raise CommandError(f"Épicerie inconnue : {options['store']}")
        for shop in stores:
            products = (
                products_weigh_from_catalogue(store=shop) if options.get("from_catalogue") else 0
            )
            movements = movements_weigh_missing(store=shop)
            lines = _weigh_lines(shop)
            self.stdout.write(
                f"{shop.slug} : {products} produit(s) pesé(s) depuis le catalogue, "
                f"{movements} mouvement(s) et {lines} ligne(s) de ticket pesés."
            )
