"""Demo data of purchasing: suppliers, a food bank and a programme donor, orders in every state
with their deliveries, and donations. Runs after the catalogue and the stock; idempotent (a
shop that already has the demo's wholesaler is left alone)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cabas.gestion.accounts.models import User
from cabas.gestion.catalog.models import Origin, Product
from cabas.gestion.purchasing.models import (
    EmailState,
    OutgoingEmail,
    PurchaseOrder,
    Supplier,
    SupplierKind,
)
from cabas.gestion.purchasing.receiving import (
    ReceivedLine,
    donation_receive,
    purchase_order_receive,
)
from cabas.gestion.purchasing.services import (
    LineRequest,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_create,
    purchase_order_from_suggestion,
    purchase_order_send,
    supplier_create,
    supplier_product_set,
)
from cabas.gestion.stores.demo import register
from cabas.gestion.stores.models import Store

WHOLESALER = "Grossiste Solidaire Rhône-Alpes"


def _backdate(order: PurchaseOrder, when: datetime) -> None:
    """Make an order look placed ``when`` (the services stamp "now"); its e-mail went out then,
    and is marked sent so the demo never mails the example addresses."""
    PurchaseOrder.objects.filter(pk=order.pk).update(created_at=when)
    PurchaseOrder.objects.filter(pk=order.pk, sent_at__isnull=False).update(sent_at=when)
    OutgoingEmail.objects.filter(order=order).update(
        state=EmailState.SENT, sent_at=when, attempts=1, claimed_at=when
    )


def _receive_all(order: PurchaseOrder, actor: User, when: datetime, share: float = 1.0) -> None:
    lines = []
    for index, line in enumerate(order.lines.select_related("product").order_by("id")):
        quantity = int(line.ordered_qty * share)
        if quantity <= 0:
            continue
        dated = (when + timedelta(days=30 + 7 * index)).date()
        lines.append(
            ReceivedLine(
                product=line.product,
                quantity=quantity,
                order_line=line,
                dlc=dated if index % 3 == 0 else None,
                ddm=(dated + timedelta(days=180)) if index % 3 == 1 else None,
            )
        )
    if lines:
        purchase_order_receive(order=order, actor=actor, lines=lines, received_at=when)


@register(50, "fournisseurs, donateurs, commandes et livraisons")
def load_purchasing(store: Store, users: dict[str, User]) -> None:
    if Supplier.objects.filter(store=store, name=WHOLESALER).exists():
        return
    actor = users["stock"]
    now = timezone.now()
    with transaction.atomic():
        wholesaler = supplier_create(
            store=store,
            actor=actor,
            data={
                "name": WHOLESALER,
                "contact_name": "Mme Lefèvre",
                "email": f"commandes+{store.slug}@grossiste.example.org",
                "phone": "04 72 00 11 22",
                "address": "ZI des Platanes, 15 rue de l'Industrie\n69200 Vénissieux",
                "delivery_days": [1, 3],
                "lead_time_days": 3,
                "minimum_order_cents": 15000,
            },
        )
        greengrocer = supplier_create(
            store=store,
            actor=actor,
            data={
                "name": "Primeur Dubois",
                "contact_name": "Karim Dubois",
                "email": f"primeur+{store.slug}@example.org",
                "phone": "06 12 34 56 78",
                "address": "Marché de gros de Corbas\n69960 Corbas",
                "delivery_days": [0, 2, 4],
                "lead_time_days": 1,
            },
        )
        coop = supplier_create(
            store=store,
            actor=actor,
            data={
                "name": "Coopérative Bio du Lyonnais",
                "phone": "04 78 99 00 00",
                "address": "Chemin des Vergers\n69290 Craponne",
                "delivery_days": [4],
                "lead_time_days": 5,
                "minimum_order_cents": 8000,
            },
        )
        food_bank = supplier_create(
            store=store,
            actor=actor,
            data={
                "name": "Banque alimentaire du Rhône",
                "kind": SupplierKind.FOOD_BANK,
                "contact_name": "Accueil des associations",
                "phone": "04 78 00 22 33",
                "address": "2 rue Jean Monnet\n69800 Saint-Priest",
            },
        )
        programme = supplier_create(
            store=store,
            actor=actor,
            data={
                "name": "Programme FSE+ (aide alimentaire)",
                "kind": SupplierKind.PROGRAMME,
                "programme": "FSE+",
                "notes": "Denrées du Fonds social européen : plafond de prix de la provenance.",
            },
        )
        supplier_create(
            store=store,
            actor=actor,
            data={"name": "Boulangerie du Marché", "kind": SupplierKind.DONOR},
        )

        products = list(
            Product.objects.filter(store=store, active=True, origin=Origin.PURCHASE).order_by("id")
        )
        if not products:
            return
        weighed = [p for p in products if p.is_weighed]
        pieces = [p for p in products if not p.is_weighed]
        for index, product in enumerate(pieces):
            pack = (6, 12, 10, 24)[index % 4]
            unit_cost = product.cost_cents or max(product.price_cents * 6 // 10, 10)
            supplier = coop if index % 5 == 4 else wholesaler
            supplier_product_set(
                supplier=supplier,
                product=product,
                actor=actor,
                reference=f"{'GS' if supplier is wholesaler else 'CB'}-{1000 + product.pk}",
                pack_size=pack,
                pack_price_cents=unit_cost * pack,
            )
        for product in weighed:
            supplier_product_set(
                supplier=greengrocer,
                product=product,
                actor=actor,
                reference=f"PD-{product.pk}",
                pack_size=5000,
                pack_price_cents=max(product.price_cents * 5 * 6 // 10, 100),
            )

        def order_of(supplier: Supplier, items: list[Product], packs: int = 2) -> PurchaseOrder:
            return purchase_order_create(
                store=store,
                supplier=supplier,
                actor=actor,
                lines=[LineRequest(product, packs + i % 2) for i, product in enumerate(items)],
                expected_on=(now + timedelta(days=supplier.lead_time_days)).date(),
            )

        wholesale_items = [p for i, p in enumerate(pieces) if i % 5 != 4]

        # Received in full three weeks ago.
        received = order_of(wholesaler, wholesale_items[0:8])
        purchase_order_send(order=received, actor=actor)
        _backdate(received, now - timedelta(days=24))
        _receive_all(received, actor, now - timedelta(days=21))

        # Partly received, then closed with the remainder cancelled.
        closed = order_of(wholesaler, wholesale_items[8:14])
        purchase_order_send(order=closed, actor=actor)
        _backdate(closed, now - timedelta(days=17))
        _receive_all(closed, actor, now - timedelta(days=14), share=0.5)
        purchase_order_close(order=closed, actor=actor, reason="Rupture chez le grossiste")

        # Partly received last week: the rest is still expected.
        partly = order_of(wholesaler, wholesale_items[14:20])
        purchase_order_send(order=partly, actor=actor)
        _backdate(partly, now - timedelta(days=9))
        _receive_all(partly, actor, now - timedelta(days=6), share=0.5)

        # Fruit and vegetables received, and an order sent two days ago, not yet delivered.
        if weighed:
            fresh = order_of(greengrocer, weighed[:5], packs=1)
            purchase_order_send(order=fresh, actor=actor)
            _backdate(fresh, now - timedelta(days=4))
            _receive_all(fresh, actor, now - timedelta(days=3))
        sent = order_of(wholesaler, wholesale_items[20:26])
        purchase_order_send(order=sent, actor=actor)
        _backdate(sent, now - timedelta(days=2))

        # Cancelled before it was sent.
        cancelled = order_of(coop, [p for i, p in enumerate(pieces) if i % 5 == 4][:4])
        purchase_order_cancel(order=cancelled, actor=actor, reason="Commande groupée ailleurs")

        # A draft from today's suggestions (or a small one when nothing needs ordering).
        try:
            purchase_order_from_suggestion(store=store, supplier=wholesaler, actor=actor)
        except ValidationError:  # nothing below its minimum today: a small manual draft
            order_of(wholesaler, wholesale_items[26:30], packs=1)

        # Donations: the food bank and the FSE+ programme.
        def donated(items: list[Product], when: datetime, days: int) -> list[ReceivedLine]:
            return [
                ReceivedLine(
                    product=product,
                    quantity=(product.is_weighed and 3000) or 6 + 2 * i,
                    dlc=(when + timedelta(days=days + i)).date() if i % 2 == 0 else None,
                    ddm=date(when.year + 1, 6, 30) if i % 2 == 1 else None,
                )
                for i, product in enumerate(items)
            ]

        when = now - timedelta(days=10)
        donation_receive(
            store=store,
            donor=food_bank,
            actor=actor,
            lines=donated(pieces[-6:], when, 20),
            note="Collecte nationale : deux cartons légèrement écrasés.",
            received_at=when,
        )
        when = now - timedelta(days=5)
        donation_receive(
            store=store,
            donor=programme,
            actor=actor,
            lines=donated(pieces[-10:-6], when, 60),
            received_at=when,
        )
