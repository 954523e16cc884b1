"""The till's controller (Mu editor style ``Till(view)``): sign-in, the cart, the client's
tariff and budget, payments, refunds and the cash session. It knows no widget: the view is a
parameter (Tk window, or a fake view in tests)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from cabas.caisse.core.cart import CartLine, CartSummary
from cabas.caisse.core.cash import CashSessions
from cabas.caisse.core.catalog import Catalog
from cabas.caisse.core.draft import DraftStore
from cabas.caisse.core.link import OFFLINE, ONLINE, UNKNOWN, StatusInfo
from cabas.caisse.core.lookup import LookupFailed
from cabas.caisse.core.outbox import Outbox, PendingEntry, TicketNotSaved, refunded_by_line
from cabas.caisse.core.receipt import METHOD_LABELS, ProjectShown, Receipt, build_receipt
from cabas.caisse.core.sync import SyncReport
from cabas.caisse.core.view import TillView
from cabas.protocol import (
    PAYMENT_METHODS,
    BeneficiaryItem,
    CashierItem,
    CashSessionReport,
    Payment,
    PaymentMethod,
    ProductItem,
    Ticket,
    TicketLine,
    TicketLookup,
    receipt_number,
)
from cabas.rules.barcodes import decode_scale_code
from cabas.rules.budget import BudgetState, month_of
from cabas.rules.cards import normalize_card_code
from cabas.rules.dates import sellability
from cabas.rules.money import GRAMS_PER_KG, UNIT_KG, format_euros, line_total_cents, round_cents
from cabas.rules.pins import verify_pin
from cabas.rules.pricing import RateDecision, full_price_decision, line_price
from cabas.rules.quotas import Quota, QuotaExceeded, QuotaKey, QuotaLine, check_quotas

MAX_PIECES_PER_LINE = 999
# "3*" (a quantity for the next scan), optionally followed at once by the code: "3*3571…".
QUANTITY_STAR = re.compile(r"(\d{1,3})\s*\*\s*(\S*)")
MAX_GRAMS_PER_LINE = 100_000


@dataclass(frozen=True)
class RefundProposal:
    """A refund of some lines of a past ticket, before the cashier says how the money goes
    back: its lines, the amount (positive cents) and the default split by method."""

    lines: list[TicketLine]
    amount_cents: int
    split: dict[PaymentMethod, int]


class Till:
    def __init__(
        self,
        view: TillView,
        *,
        catalog: Catalog,
        outbox: Outbox,
        sessions: CashSessions,
        tz: str,
        shop_name: str,
        prices_at: datetime | None = None,
        fetched_at: datetime | None = None,
        now: Callable[[], datetime] | None = None,
        print_receipt: Callable[[Receipt], None] | None = None,
        draft: DraftStore | None = None,
        lookup: Callable[[str], TicketLookup | None] | None = None,
        last_sync: datetime | None = None,
    ) -> None:
        self.view = view
        self.catalog = catalog
        self.outbox = outbox
        self.sessions = sessions
        self.tz = tz
        self.zone = ZoneInfo(tz)
        self.shop_name = shop_name
        self.prices_at = prices_at
        self.fetched_at = fetched_at
        self.now = now or (lambda: datetime.now(self.zone))
        self.print_receipt = print_receipt
        self.cashier: CashierItem | None = None
        self.lines: list[CartLine] = []
        self.client: BeneficiaryItem | None = None
        self.payments: list[Payment] = []
        self.pending_quantity: int | None = None
        self._budget: BudgetState | None = None
        self._quota_used: dict[QuotaKey, int] = {}
        self._quota_rules: list[Quota] = []
        self._warned_over_budget = False
        self._checkout_confirmed = False
        # Products past their DLC a manager allowed in this sale (product id -> manager id),
        # and the last one refused, with what to do again once allowed.
        self._dlc_allowed: dict[int, CashierItem] = {}
        self._dlc_refused: tuple[ProductItem, Callable[[], None]] | None = None
        self.z_report: Receipt | None = None
        self.link_state: str = UNKNOWN
        self.last_sync = last_sync
        self.link_message = ""
        # Asks the server for a ticket made on another till of the shop (to refund it).
        self.lookup = lookup
        self._server_refunds: dict[uuid.UUID, list[Ticket]] = {}
        self.last_ticket: Ticket | None = None
        # The sale in progress on disk (resumed after a crash); its id is the ticket's id.
        self.draft = draft
        self.sale_id = uuid.uuid4()
        self._draft_found = draft.load() if draft is not None else None
        self._draft_ready = False  # nothing is written before the old draft was offered
        if draft is not None:
            draft.attach(self._draft_state)

    # -- data --------------------------------------------------------------------------------
    def replace_catalog(
        self, catalog: Catalog, prices_at: datetime | None, fetched_at: datetime | None
    ) -> None:
        """New local data (after a sync); the current sale keeps its prices until repriced by
        the next client change."""
        self.catalog = catalog
        self.prices_at = prices_at
        self.fetched_at = fetched_at
        if self.client is not None:
            self.client = catalog.beneficiaries.get(self.client.code, self.client)
            self._refresh_budget()
        self.view.show_status(self.status())

    # -- sign-in -----------------------------------------------------------------------------
    def cashiers(self) -> list[CashierItem]:
        return sorted(self.catalog.cashiers.values(), key=lambda c: c.name.casefold())

    def sign_in(self, cashier_id: int, pin: str) -> bool:
        cashier = self.catalog.cashiers.get(cashier_id)
        if cashier is None or cashier.pin_hash is None or not verify_pin(pin, cashier.pin_hash):
            self.view.show_message("Code PIN incorrect.", "error")
            return False
        self.cashier = cashier
        self.view.show_message(f"Bonjour {cashier.name} !")
        self._offer_draft()
        self._show()
        if self.session_required and self.sessions.current() is None:
            self.view.ask_open_session()
        return True

    @property
    def session_required(self) -> bool:
        """The shop's setting (from the snapshot): no sale outside an open cash session, so
        that every ticket is in a Z report."""
        return self.catalog.snapshot.store.cash_session_required

    def _require_session(self) -> bool:
        if not self.session_required or self.sessions.current() is not None:
            return True
        self.view.show_message(
            "La caisse n'est pas ouverte : ouvrez la session de caisse (F10, fond de caisse) "
            "avant de vendre.",
            "error",
        )
        return False

    def sign_out(self) -> None:
        if self.lines:
            self.view.show_message(
                "Terminez ou annulez la vente avant de changer de caissier.", "error"
            )
            return
        self.cashier = None
        self._show()

    def _require_cashier(self) -> bool:
        if self.cashier is None:
            self.view.show_message("Identifiez-vous d'abord avec votre code PIN.", "error")
            return False
        return True

    # -- scanning ----------------------------------------------------------------------------
    def set_pending_quantity(self, quantity: int) -> None:
        """ "3 *" then a scan: the next product is added 3 times."""
        if not 1 <= quantity <= MAX_PIECES_PER_LINE:
            self.view.show_message(f"Quantité invalide : {quantity}.", "error")
            return
        self.pending_quantity = quantity
        self._show()

    def scan(self, code: str) -> None:
        """A code from the scanner (or typed + Enter): a client card, a weighed/priced label
        or a product barcode."""
        code = code.strip()
        if not code or not self._require_cashier() or not self._require_session():
            return
        star = QUANTITY_STAR.fullmatch(code)
        if star is not None:
            # "3*" alone, or "3*" typed and then the scan in the same field ("3*3571…").
            self.set_pending_quantity(int(star[1]))
            if self.pending_quantity != int(star[1]) or not star[2]:
                return
            code = star[2]
        card = normalize_card_code(code)
        if card in self.catalog.beneficiaries:
            self.set_client(card)
            return
        scale = decode_scale_code(code, self.catalog.layout)
        if scale is not None and scale.value > 0:
            product = self.catalog.product_by_code(scale.item_reference)
            if product is not None:
                self._add_scale(product, code, scale.kind, scale.value)
                return
        product = self.catalog.product_by_code(code)
        if product is None:
            self.view.show_message(
                f"Code inconnu : {code}. Cherchez le produit par son nom (touche F3).", "error"
            )
            return
        if product.unit == UNIT_KG:
            if not self._refused_expired(product, lambda: self.view.ask_weight(product)):
                self.view.ask_weight(product)
            return
        quantity = self.pending_quantity or 1
        self.pending_quantity = None
        self._add(product, code, quantity)

    def add_product(self, product_id: int, quantity: int | None = None) -> None:
        """A product chosen by name search."""
        if not self._require_cashier() or not self._require_session():
            return
        product = self.catalog.products.get(product_id)
        if product is None:
            self.view.show_message("Produit introuvable.", "error")
            return
        if product.unit == UNIT_KG and quantity is None:
            if not self._refused_expired(product, lambda: self.view.ask_weight(product)):
                self.view.ask_weight(product)
            return
        quantity = quantity or self.pending_quantity or 1
        self.pending_quantity = None
        self._add(product, product.barcodes[0] if product.barcodes else None, quantity)

    def add_weighed(self, product_id: int, grams: int) -> None:
        if not self._require_cashier() or not self._require_session():
            return
        if not 1 <= grams <= MAX_GRAMS_PER_LINE:
            self.view.show_message("Poids invalide (en grammes, jusqu'à 100 kg).", "error")
            return
        product = self.catalog.products.get(product_id)
        if product is None:
            self.view.show_message("Produit introuvable.", "error")
            return
        self._add(product, product.barcodes[0] if product.barcodes else None, grams)

    def search(self, text: str) -> list[ProductItem]:
        return self.catalog.search(text)

    def client_unit_price(self, product: ProductItem) -> int:
        """What the current client pays per piece or per kilo (shown in the search list)."""
        rate = self._decision(product).rate_bp
        return line_price(product.price_cents, 1, product.unit, rate).unit_price_cents

    def _add_scale(self, product: ProductItem, code: str, kind: str, value: int) -> None:
        if kind == "weight":
            quantity = value if product.unit == UNIT_KG else 1
            full_unit = product.price_cents
        elif product.unit == UNIT_KG and product.price_cents > 0:
            # A priced label of a weighed product: the weight it stands for at the kilo price.
            quantity = max(1, round_cents(Fraction(value * GRAMS_PER_KG, product.price_cents)))
            full_unit = product.price_cents
        else:
            quantity, full_unit = 1, value
        if quantity <= 0:
            self.view.show_message("Étiquette de balance à zéro : pesez à nouveau.", "error")
            return
        self._add(product, code, quantity, full_unit_price=full_unit, merge=False)

    def _add(
        self,
        product: ProductItem,
        barcode: str | None,
        quantity: int,
        *,
        full_unit_price: int | None = None,
        merge: bool = True,
    ) -> None:
        if self._refused_expired(
            product,
            lambda: self._add(
                product, barcode, quantity, full_unit_price=full_unit_price, merge=merge
            ),
        ):
            return
        allowed_by = self._dlc_allowed.get(product.id)
        warning = self._dlc_warning(product, allowed_by)
        if merge and product.unit != UNIT_KG:
            for line in self.lines:
                if line.product_id == product.id and line.full_unit_price_cents == (
                    full_unit_price or product.price_cents
                ):
                    line.quantity = min(MAX_PIECES_PER_LINE, line.quantity + quantity)
                    self.lines.remove(line)
                    self.lines.append(line)
                    self._after_change(warning)
                    return
        self.lines.append(
            CartLine(
                product=product,
                barcode=barcode,
                label=product.name,
                unit=product.unit,
                quantity=quantity,
                full_unit_price_cents=(
                    product.price_cents if full_unit_price is None else full_unit_price
                ),
                decision=self._decision(product),
                warning=warning,
                authorized_by=allowed_by.id if allowed_by else None,
            )
        )
        self._after_change(warning)

    # -- products past their DLC (docs/architecture.md: they may not be sold) -----------------
    def _dlc_passed(self, product: ProductItem) -> bool:
        return sellability(product.earliest_dlc, None, self.now().date()) == "dlc_passed"

    def _refused_expired(self, product: ProductItem, retry: Callable[[], None]) -> bool:
        """True when the product is past its DLC and no manager allowed it in this sale: the
        line is refused with a message; ``retry`` adds it once a manager allows it."""
        if product.id in self._dlc_allowed or not self._dlc_passed(product):
            return False
        assert product.earliest_dlc is not None
        self._dlc_refused = (product, retry)
        self.view.show_message(
            f"REFUSÉ : « {product.name} » a dépassé sa DLC ({product.earliest_dlc:%d/%m/%Y}), "
            "il ne peut pas être vendu : retirez-le de la vente. Date du lot mal saisie ? Un "
            "responsable peut autoriser la vente avec son code (F1).",
            "error",
        )
        return True

    def allow_refused(self, pin: str) -> bool:
        """A manager's PIN allows the product the till just refused (a lot whose DLC was
        mistyped): the line is added, with the manager's id on the ticket line (the server
        flags it for review)."""
        refused = self._dlc_refused
        if refused is None:
            self.view.show_message("Aucun article refusé à autoriser.", "warning")
            return False
        manager = next(
            (
                c
                for c in self.catalog.cashiers.values()
                if c.manager and c.pin_hash and verify_pin(pin, c.pin_hash)
            ),
            None,
        )
        if manager is None:
            self.view.show_message(
                "Code de responsable incorrect : l'article reste refusé.", "error"
            )
            return False
        product, retry = refused
        self._dlc_refused = None
        self._dlc_allowed[product.id] = manager
        retry()
        return True

    def refused_product(self) -> ProductItem | None:
        """The product last refused (past its DLC), that a manager may allow."""
        return self._dlc_refused[0] if self._dlc_refused else None

    def _forget_allowed(self) -> None:
        self._dlc_allowed.clear()
        self._dlc_refused = None

    def _dlc_warning(self, product: ProductItem, allowed_by: CashierItem | None) -> str:
        if allowed_by is None or product.earliest_dlc is None:
            return ""
        return (
            f"« {product.name} » : DLC dépassée ({product.earliest_dlc:%d/%m/%Y}), vente "
            f"autorisée par {allowed_by.name} (signalé au responsable)."
        )

    def set_line_quantity(self, index: int, quantity: int) -> None:
        if not 0 <= index < len(self.lines):
            return
        line = self.lines[index]
        limit = MAX_GRAMS_PER_LINE if line.unit == UNIT_KG else MAX_PIECES_PER_LINE
        if not 1 <= quantity <= limit:
            self.view.show_message("Quantité invalide.", "error")
            return
        line.quantity = quantity
        self._after_change("")

    def remove_line(self, index: int) -> None:
        if 0 <= index < len(self.lines):
            removed = self.lines.pop(index)
            self.view.show_message(f"Ligne retirée : {removed.label}.")
            self._after_change("", quiet=True)

    def cancel_sale(self) -> None:
        self.sale_id = uuid.uuid4()
        self.lines.clear()
        self.payments.clear()
        self.client = None
        self._budget = None
        self.pending_quantity = None
        self._warned_over_budget = False
        self._forget_allowed()
        self._show()

    # -- client ------------------------------------------------------------------------------
    def _decision(self, product: ProductItem) -> RateDecision:
        if self.client is None:
            return full_price_decision()
        return self.catalog.tariff.rate_for(
            product.id,
            self.catalog.category_path(product),
            product.origin,
            self.client.rate_bp,
            with_card=True,
        )

    def set_client(self, code: str) -> None:
        """A household card, scanned or typed as printed (``6rx5v-9p569`` finds ``6RX5V9P569``,
        the same normalisation as the server's)."""
        client = self.catalog.beneficiaries.get(normalize_card_code(code))
        if client is None:
            self.view.show_message(f"Carte inconnue : {code}.", "error")
            return
        if self.payments:
            self.view.show_message("Un paiement est en cours : annulez-le d'abord.", "error")
            return
        if client.status != "active":
            state = "suspendus" if client.status == "suspended" else "expirés"
            self.view.show_message(
                f"Carte de {client.label} : droits {state}. La vente se fait au plein tarif.",
                "warning",
            )
            return
        self.client = client
        self._warned_over_budget = False
        self._refresh_budget()
        self._reprice()
        self._show_client_budget(client)
        project = self.project_of(client)
        if project is not None:
            self.view.show_message(project.text)
        self._after_change("", quiet=True)

    def project_of(self, client: BeneficiaryItem) -> ProjectShown | None:
        """The household's project when the shop sends it: what the server counted, plus the
        savings of this till's tickets it may not count yet (refunds take theirs back)."""
        if client.project is None:
            return None
        pending = sum(
            entry.savings_cents
            for entry in self._counted_entries()
            if entry.beneficiary_code == client.code
        )
        return ProjectShown(
            client.project.label, client.project.saved_cents + pending, client.project.goal_cents
        )

    def _show_client_budget(self, client: BeneficiaryItem) -> None:
        budget = self._budget
        if budget is None:
            self.view.show_message(f"Client : {client.label}.")
        elif budget.left_cents < 0:
            self.view.show_message(
                f"Client : {client.label} — budget du mois déjà dépassé de "
                f"{format_euros(-budget.left_cents)}.",
                "warning",
            )
        elif budget.left_cents == 0:
            self.view.show_message(f"Client : {client.label} — budget du mois épuisé.", "warning")
        else:
            self.view.show_message(
                f"Client : {client.label} — budget restant ce mois : "
                f"{format_euros(budget.left_cents)}."
            )

    def clear_client(self) -> None:
        self.client = None
        self._budget = None
        self._reprice()
        self._show()

    def _reprice(self) -> None:
        for line in self.lines:
            if line.product is not None:
                line.decision = self._decision(line.product)

    def _counted_entries(self) -> list[PendingEntry]:
        """Tickets this till made that the local snapshot may not count yet."""
        entries = {e.ticket_id: e for e in self.outbox.pending_entries()}
        if self.fetched_at is not None:
            for entry in self.outbox.acknowledged_since(self.fetched_at):
                entries.setdefault(entry.ticket_id, entry)
        return list(entries.values())

    def _client_quotas(self, client: BeneficiaryItem) -> list[tuple[Quota, int]]:
        """The client's quotas as rules, limits already scaled to the household by the server,
        with what the server counted this month: the shop's quotas (product or category,
        pieces or grams) when the snapshot has them, else the first form of the protocol
        (category quotas in pieces)."""
        if client.quota_limits:
            rules = []
            for limit in client.quota_limits:
                item = self.catalog.quotas.get(limit.quota_id)
                if item is None:
                    continue
                rule = Quota(
                    scope=item.scope,
                    target_id=str(item.target_id),
                    label=item.label,
                    base_quantity=limit.limit_qty,
                    unit=item.unit,
                )
                rules.append((rule, limit.used_qty))
            return rules
        return [
            (
                Quota(
                    scope="category",
                    target_id=str(q.category_id),
                    label=self.catalog.category_names.get(
                        q.category_id, f"catégorie {q.category_id}"
                    ),
                    base_quantity=q.limit_qty,
                ),
                q.used_qty,
            )
            for q in client.quotas
        ]

    def _quota_line(self, product: ProductItem, quantity: int, unit: str) -> QuotaLine:
        return QuotaLine(
            product_id=str(product.id),
            category_path=[str(c) for c in self.catalog.category_path(product)],
            quantity=quantity,
            unit="kg" if unit == "kg" else "piece",
        )

    def _refresh_budget(self) -> None:
        client = self.client
        if client is None:
            self._budget = None
            self._quota_rules, self._quota_used = [], {}
            return
        month = month_of(self.now(), self.tz)
        same_month = client.month == month
        pending = 0
        quotas = self._client_quotas(client)
        used: dict[QuotaKey, int] = {}
        if same_month:
            for rule, counted in quotas:
                used[rule.key] = used.get(rule.key, 0) + counted
        for entry in self._counted_entries():
            if entry.beneficiary_code != client.code or entry.month != month:
                continue
            pending += entry.total_cents
            if not quotas:
                continue
            # Tickets not acknowledged yet count against every quota they fall under, in the
            # quota's own unit (pieces, or grams of weighed goods); refunds give back.
            for product_id, quantity, unit in entry.lines:
                product = self.catalog.products.get(product_id) if product_id else None
                if product is None:
                    continue
                line = self._quota_line(product, quantity, unit)
                for rule, _counted in quotas:
                    if line.counts_for(rule):
                        used[rule.key] = used.get(rule.key, 0) + quantity
        # A new month started since the last snapshot: the month's spending starts at zero.
        spent = client.spent_cents if same_month else 0
        self._budget = BudgetState(client.budget_cents, spent, pending)
        self._quota_rules = [rule for rule, _counted in quotas]
        self._quota_used = used

    def budget(self) -> BudgetState | None:
        return self._budget

    def _quota_problems(self) -> list[QuotaExceeded]:
        if self.client is None or not self._quota_rules:
            return []
        lines = [
            self._quota_line(line.product, line.quantity, line.unit)
            for line in self.lines
            if line.product is not None
        ]
        # Limits in the snapshot are already the household's (scaled by the server).
        return check_quotas(self._quota_rules, self._quota_used, lines, household_size=1)

    # -- summary -----------------------------------------------------------------------------
    def summary(self) -> CartSummary:
        total = full = 0
        for line in self.lines:
            price = line.price
            total += price.total_cents
            full += price.full_price_cents
        return CartSummary(
            lines=list(self.lines),
            total_cents=total,
            full_price_cents=full,
            client=self.client,
            budget=self._budget,
            paid_cents=sum(p.amount_cents for p in self.payments),
            payments=list(self.payments),
            pending_quantity=self.pending_quantity,
            cashier=self.cashier,
            quota_problems=self._quota_problems(),
        )

    def _show(self, *, durable: bool = False) -> CartSummary:
        summary = self.summary()
        self._keep_draft(summary, durable=durable)
        self.view.show_cart(summary)
        return summary

    # -- the sale in progress, kept on disk ---------------------------------------------------
    def _keep_draft(self, summary: CartSummary, *, durable: bool = False) -> None:
        """The cart changed: a scan only marks the draft (its writer thread reads the cart
        and writes it); a payment (``durable``) is on disk before the screen shows it."""
        draft = self.draft
        if draft is None or not self._draft_ready:
            return
        if durable:
            draft.flush()
        else:
            draft.touch()

    def _draft_state(self) -> dict[str, Any] | None:
        """The sale in progress as the draft keeps it (read by the draft's writer thread: a
        change made while it reads is followed by another write)."""
        lines, payments, client = list(self.lines), list(self.payments), self.client
        if not lines and not payments:
            return None
        return {
            "sale_id": str(self.sale_id),
            "cashier_id": self.cashier.id if self.cashier else None,
            "beneficiary_code": client.code if client else None,
            "total_cents": sum(line.price.total_cents for line in lines),
            "paid_cents": sum(payment.amount_cents for payment in payments),
            "lines": [
                {
                    "product_id": line.product_id,
                    "barcode": line.barcode,
                    "label": line.label,
                    "unit": line.unit,
                    "quantity": line.quantity,
                    "full_unit_price_cents": line.full_unit_price_cents,
                    "authorized_by": line.authorized_by,
                }
                for line in lines
            ],
            "payments": [payment.model_dump(mode="json") for payment in payments],
        }

    @property
    def interrupted_sale_waiting(self) -> bool:
        """A sale interrupted by a crash will be offered at the sign-in."""
        return bool(self._draft_found and self._draft_found.get("lines"))

    def _offer_draft(self) -> None:
        """At the first sign-in: a sale interrupted by a crash is offered again."""
        found, self._draft_found = self._draft_found, None
        self._draft_ready = True
        if found is None or self.draft is None:
            return
        try:
            sale_id = uuid.UUID(str(found.get("sale_id")))
        except ValueError:
            sale_id = None
        if sale_id is None or self.outbox.has_ticket(sale_id) or not found.get("lines"):
            # Paid and saved just before the crash (or empty): nothing to resume.
            self.draft.flush()
            return
        count = len(found["lines"])
        total = format_euros(int(found.get("total_cents") or 0))
        paid = int(found.get("paid_cents") or 0)
        question = (
            f"Une vente a été interrompue (arrêt de la caisse) : {count} ligne(s), {total}"
            + (f", dont {format_euros(paid)} DÉJÀ PAYÉS" if paid else "")
            + ". La reprendre ?"
        )
        if not self.view.confirm(question):
            self.draft.flush()
            self.view.show_message(
                "Vente interrompue abandonnée"
                + (f" : rendez les {format_euros(paid)} déjà payés." if paid else "."),
                "warning" if paid else "info",
            )
            return
        self._restore_draft(sale_id, found)

    def _restore_draft(self, sale_id: uuid.UUID, found: Mapping[str, Any]) -> None:
        self.sale_id = sale_id
        code = found.get("beneficiary_code")
        self.client = self.catalog.beneficiaries.get(code) if isinstance(code, str) else None
        self.lines = []
        managers = self.catalog.cashiers
        for raw in found.get("lines") or []:
            try:
                product = self.catalog.products.get(raw["product_id"] or -1)
                authorized = raw.get("authorized_by")
                manager = managers.get(authorized) if isinstance(authorized, int) else None
                self.lines.append(
                    CartLine(
                        product=product,
                        barcode=raw.get("barcode"),
                        label=str(raw["label"]),
                        unit=UNIT_KG if raw["unit"] == UNIT_KG else "piece",
                        quantity=int(raw["quantity"]),
                        full_unit_price_cents=int(raw["full_unit_price_cents"]),
                        decision=(self._decision(product) if product else full_price_decision()),
                        warning=self._dlc_warning(product, manager) if product else "",
                        authorized_by=manager.id if manager else None,
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue
        self.payments = []
        for raw in found.get("payments") or []:
            try:
                self.payments.append(Payment.model_validate(raw))
            except ValidationError:
                continue
        # Money was taken after the questions of the payment: they are not asked again.
        self._checkout_confirmed = bool(self.payments)
        self._refresh_budget()
        message = f"Vente reprise : {len(self.lines)} ligne(s)."
        if self.payments:
            paid = sum(p.amount_cents for p in self.payments)
            message += f" Déjà payé : {format_euros(paid)}."
        if isinstance(code, str) and self.client is None:
            message += f" La carte {code} n'est plus dans les données : plein tarif."
        self.view.show_message(message, "warning" if self.payments else "info")

    def close(self) -> None:
        """The window closes: the newest state of the sale in progress goes to disk."""
        if self.draft is not None:
            self.draft.flush()

    def _after_change(self, warning: str, *, quiet: bool = False) -> None:
        self._checkout_confirmed = False
        summary = self._show()
        if warning:
            self.view.show_message(warning, "warning")
        if summary.over_budget_cents and not self._warned_over_budget:
            self._warned_over_budget = True
            self.view.show_message(
                f"Attention : cette vente dépasse le budget du mois de "
                f"{format_euros(summary.over_budget_cents)}.",
                "warning",
            )
        elif not summary.over_budget_cents:
            self._warned_over_budget = False
        for problem in summary.quota_problems:
            self.view.show_message(problem.message, "warning")

    # -- payment -----------------------------------------------------------------------------
    def add_payment(
        self,
        method: PaymentMethod,
        amount_cents: int | None = None,
        tendered_cents: int | None = None,
    ) -> Ticket | None:
        """Record a payment; when the total is covered the ticket is saved and returned.

        ``amount_cents`` defaults to what remains; for cash, ``tendered_cents`` above what
        remains pays the rest and gives the change.
        """
        if not self._require_cashier() or not self._require_session():
            return None
        summary = self.summary()
        if not self.lines:
            self.view.show_message("Le panier est vide.", "error")
            return None
        if not self.payments and not self._checkout_confirmed:
            if not self._confirm_before_paying(summary):
                return None
            self._checkout_confirmed = True
        remaining = summary.remaining_cents
        if method == "cash" and tendered_cents is not None and amount_cents is None:
            amount_cents = min(remaining, tendered_cents)
        amount = remaining if amount_cents is None else amount_cents
        if amount <= 0 or amount > remaining:
            self.view.show_message(
                f"Montant invalide : il reste {format_euros(remaining)} à payer.", "error"
            )
            return None
        if tendered_cents is not None and (method != "cash" or tendered_cents < amount):
            self.view.show_message("La somme remise est inférieure au montant.", "error")
            return None
        self.payments.append(
            Payment(method=method, amount_cents=amount, tendered_cents=tendered_cents)
        )
        if amount < remaining:
            self._show(durable=True)  # money was taken: on disk before it is shown
            self.view.show_message(
                f"{METHOD_LABELS[method]} : {format_euros(amount)}. Reste "
                f"{format_euros(remaining - amount)} à payer."
            )
            return None
        return self._finish(summary)

    def pay(self, method: PaymentMethod, typed_cents: int | None = None) -> Ticket | None:
        """What the cashier typed in the payment dialog (None: Entrée alone, what remains): in
        cash, a sum at or above what remains is the money handed over (the rest paid, the
        change given back); otherwise the amount paid by ``method``."""
        remaining = self.summary().remaining_cents
        if method == "cash" and typed_cents is not None and typed_cents >= remaining:
            return self.add_payment("cash", tendered_cents=typed_cents)
        return self.add_payment(method, typed_cents)

    def begin_payment(self) -> bool:
        """Asked when the cashier opens the payment: the budget and quota questions come
        before any money is taken. False when the cashier declines."""
        if not self._require_cashier() or not self._require_session():
            return False
        if not self.lines:
            self.view.show_message("Le panier est vide.", "error")
            return False
        if self.payments or self._checkout_confirmed:
            return True
        self._checkout_confirmed = self._confirm_before_paying(self.summary())
        return self._checkout_confirmed

    def cancel_payments(self) -> None:
        self.payments.clear()
        self._show()

    def _confirm_before_paying(self, summary: CartSummary) -> bool:
        if summary.over_budget_cents:
            client = summary.client
            label = client.label if client else ""
            if not self.view.confirm(
                f"La vente dépasse le budget de {label} de "
                f"{format_euros(summary.over_budget_cents)}. Valider quand même ?"
            ):
                return False
        if summary.quota_problems:
            text = " ; ".join(p.message for p in summary.quota_problems)
            if not self.view.confirm(f"{text}. Valider quand même ?"):
                return False
        return True

    def _build_ticket(
        self,
        lines: list[TicketLine],
        payments: list[Payment],
        ticket_id: uuid.UUID | None = None,
        **extra: Any,
    ) -> Ticket:
        session = self.sessions.current()
        return Ticket(
            id=ticket_id or uuid.uuid4(),
            created_at=self.now(),
            cashier_id=self.cashier.id if self.cashier else None,
            cash_session_id=session.id if session else None,
            lines=lines,
            payments=payments,
            total_cents=sum(line.total_cents for line in lines),
            **extra,
        )

    def _finish(self, summary: CartSummary) -> Ticket | None:
        try:
            ticket = self._build_ticket(
                [line.to_ticket_line() for line in self.lines],
                list(self.payments),
                # The draft's id: a draft left by a crash after this write is known as paid.
                ticket_id=self.sale_id,
                beneficiary_code=self.client.code if self.client else None,
            )
        except ValidationError as exc:
            self.payments.clear()
            self.view.show_message(f"Ticket invalide, vente non validée : {exc}", "error")
            return None
        return self._save(
            ticket, client_label=self.client.label if self.client else "", client=self.client
        )

    def _save(
        self, ticket: Ticket, *, client_label: str, client: BeneficiaryItem | None = None
    ) -> Ticket | None:
        try:
            self.outbox.write(ticket)
        except TicketNotSaved as exc:
            if not ticket.is_refund:
                self.payments.clear()
            self.view.show_message(str(exc), "error")
            self._show()
            return None
        receipt = build_receipt(
            ticket,
            shop_name=self.shop_name,
            tz=self.tz,
            cashier_name=self.cashier.name if self.cashier else "",
            client_label=client_label,
            # After the write: the ticket's own saving is among the counted ones.
            project=self.project_of(client) if client is not None else None,
        )
        self.last_ticket = ticket
        if not ticket.is_refund:
            self.sale_id = uuid.uuid4()
        self.lines.clear()
        self.payments.clear()
        self.client = None
        self._budget = None
        self.pending_quantity = None
        self._warned_over_budget = False
        self._forget_allowed()
        self.view.show_paid(ticket, receipt)
        self._print(receipt)
        self._show()
        self.view.show_status(self.status())
        return ticket

    def _print(self, receipt: Receipt) -> bool:
        """On the receipt printer when there is one; False when there is none or it failed
        (the cashier is told: what is printed is always saved or shown too)."""
        if self.print_receipt is None:
            return False
        try:
            self.print_receipt(receipt)
        except Exception as exc:  # noqa: BLE001 - the sale is saved; printing is a bonus
            self.view.show_message(f"Impression impossible : {exc}", "warning")
            return False
        return True

    # -- refunds ---------------------------------------------------------------------------
    def begin_refund(self) -> bool:
        """Asked when the cashier starts a refund (F9): a refund is a ticket of its own, never
        made in the middle of a sale (saving it empties the cart). False, with the reason
        shown, while a sale is open."""
        if self.lines:
            self.view.show_message("Terminez la vente en cours avant un remboursement.", "warning")
            return False
        return True

    def find_ticket(self, reference: str) -> Ticket | None:
        """A past sale by its receipt number: on this till, else on the server (a sale made
        on another till of the shop), with the refunds the server knows of it."""
        ticket = self.outbox.find_ticket(reference)
        if ticket is not None or self.lookup is None:
            if ticket is None:
                self.view.show_message(
                    f"Ticket « {reference} » introuvable sur cette caisse (30 derniers jours).",
                    "error",
                )
            return ticket
        if self.link_state == OFFLINE:
            self.view.show_message(
                f"Ticket « {reference} » introuvable sur cette caisse, et la caisse est hors "
                "ligne : réessayez quand elle est en ligne.",
                "error",
            )
            return None
        try:
            found = self.lookup(reference)
        except LookupFailed as exc:
            self.view.show_message(
                f"Ticket « {reference} » introuvable sur cette caisse, et le serveur ne répond "
                f"pas ({exc}) : réessayez quand la caisse est en ligne.",
                "error",
            )
            return None
        if found is None:
            self.view.show_message(
                f"Ticket « {reference} » introuvable sur cette caisse et sur le serveur de "
                "l'épicerie.",
                "error",
            )
            return None
        self._server_refunds[found.ticket.id] = list(found.refunds)
        return found.ticket

    def refund_split(self, original: Ticket, amount_cents: int) -> dict[PaymentMethod, int]:
        """How ``amount_cents`` (> 0) goes back by default: to the original's methods, in
        proportion to what each paid (all of it for a whole refund; the cents left by the
        rounding go to the method that paid most); cash when the original paid nothing."""
        paid: dict[PaymentMethod, int] = {}
        for payment in original.payments:
            paid[payment.method] = paid.get(payment.method, 0) + payment.amount_cents
        paid = {method: cents for method, cents in paid.items() if cents > 0}
        total = sum(paid.values())
        if total <= 0:
            return {"cash": amount_cents}
        split = {method: amount_cents * cents // total for method, cents in paid.items()}
        biggest = max(paid, key=lambda method: paid[method])
        split[biggest] += amount_cents - sum(split.values())
        return {method: cents for method, cents in split.items() if cents}

    def refund_lines(
        self, original: Ticket, quantities: Mapping[int, int]
    ) -> list[TicketLine] | None:
        """The refund's lines for these quantities (line index -> pieces or grams), or None
        (with the reason shown) when one gives back more than is left."""
        known = [*self.outbox.refunds_of(original.id), *self._server_refunds.get(original.id, [])]
        already = refunded_by_line(original, known)
        lines: list[TicketLine] = []
        for index, quantity in sorted(quantities.items()):
            if quantity <= 0:
                continue
            if not 0 <= index < len(original.lines):
                self.view.show_message(f"Ligne {index + 1} inconnue.", "error")
                return None
            sold = original.lines[index]
            left = sold.quantity - already.get(index, 0)
            if quantity > left:
                self.view.show_message(
                    f"« {sold.label} » : on ne peut rembourser que {left} de plus.", "error"
                )
                return None
            total = line_total_cents(-quantity, sold.unit_price_cents, sold.unit)
            full = -round_cents(Fraction(sold.full_price_cents * quantity, sold.quantity))
            lines.append(
                TicketLine(
                    product_id=sold.product_id,
                    barcode=sold.barcode,
                    label=sold.label,
                    quantity=-quantity,
                    unit=sold.unit,
                    unit_price_cents=sold.unit_price_cents,
                    full_price_cents=min(full, total),
                    total_cents=total,
                )
            )
        return lines

    def propose_refund(
        self, original: Ticket, quantities: Mapping[int, int]
    ) -> RefundProposal | None:
        """What giving back these quantities (line index -> pieces or grams) of a past ticket
        comes to, with the default split (``refund_split``) the cashier may change; None,
        with the reason shown, when it cannot be refunded so."""
        if original.is_refund:
            self.view.show_message("On ne rembourse pas un remboursement.", "error")
            return None
        lines = self.refund_lines(original, quantities)
        if lines is None:
            return None
        if not lines:
            self.view.show_message("Rien à rembourser.", "error")
            return None
        amount = -sum(line.total_cents for line in lines)
        return RefundProposal(lines, amount, self.refund_split(original, amount))

    def refund(
        self,
        original: Ticket,
        quantities: Mapping[int, int],
        payments: Mapping[PaymentMethod, int] | None = None,
    ) -> Ticket | None:
        """Refund some lines of a past ticket: ``quantities`` maps line index -> quantity
        (pieces, or grams) to give back; ``payments`` how much goes back by each method
        (positive cents adding up to the refund), by default ``refund_split``."""
        if not self._require_cashier() or not self._require_session() or not self.begin_refund():
            return None
        proposal = self.propose_refund(original, quantities)
        if proposal is None:
            return None
        lines, amount = proposal.lines, proposal.amount_cents
        split = dict(payments) if payments is not None else proposal.split
        if any(cents < 0 for cents in split.values()) or sum(split.values()) != amount:
            self.view.show_message(
                f"Les moyens de remboursement doivent faire {format_euros(amount)}.", "error"
            )
            return None
        given = [
            Payment(method=method, amount_cents=-cents) for method, cents in split.items() if cents
        ]
        ticket = self._build_ticket(
            lines, given, beneficiary_code=original.beneficiary_code, refund_of=original.id
        )
        return self._save(ticket, client_label="")

    # -- receipts of the day -------------------------------------------------------------------
    def todays_tickets(self) -> list[Ticket]:
        """This till's tickets of today (the shop's date), newest first."""
        return self.outbox.tickets_of_day(self.now().date())

    def reprint(self, ticket: Ticket | None = None) -> Receipt | None:
        """A duplicate of a receipt (by default the last ticket of this till), printed when
        there is a printer; the receipt is returned to be shown."""
        if ticket is None:
            ticket = self.last_ticket
        if ticket is None:
            day = self.todays_tickets()
            ticket = day[0] if day else None
        if ticket is None:
            self.view.show_message("Aucun ticket à réimprimer aujourd'hui.", "warning")
            return None
        client = self.catalog.beneficiaries.get(ticket.beneficiary_code or "")
        cashier = self.catalog.cashiers.get(ticket.cashier_id or 0)
        receipt = build_receipt(
            ticket,
            shop_name=self.shop_name,
            tz=self.tz,
            cashier_name=cashier.name if cashier else "",
            client_label=client.label if client and not ticket.is_refund else "",
            duplicate=True,
        )
        if self._print(receipt):
            self.view.show_message(f"Duplicata du ticket {receipt_number(ticket.id)} imprimé.")
        return receipt

    # -- cash session ------------------------------------------------------------------------
    @property
    def session_open(self) -> bool:
        return self.sessions.current() is not None

    @property
    def opening_wanted(self) -> bool:
        """The float asked for at the sign-in is still wanted: a cashier is signed in and the
        shop requires a session, none open yet (it may have been opened meanwhile)."""
        return self.cashier is not None and self.session_required and not self.session_open

    def decline_opening(self) -> None:
        """The cashier put off the float asked for at the sign-in."""
        self.view.show_message(
            "Caisse non ouverte : les ventes sont refusées jusqu'à l'ouverture (F10).",
            "warning",
        )

    def methods_to_count(self) -> list[PaymentMethod]:
        """What the cashier counts to close the open session: cash (the float) and each
        method its tickets used, in the protocol's order; none when no session is open."""
        session = self.sessions.current()
        if session is None:
            return []
        expected = self.sessions.expected(session)
        return [method for method in PAYMENT_METHODS if method in expected]

    def open_session(self, opening_float_cents: int) -> CashSessionReport | None:
        if not self._require_cashier():
            return None
        try:
            session = self.sessions.open(
                cashier_id=self.cashier.id if self.cashier else None,
                opening_float_cents=opening_float_cents,
            )
        except (ValueError, OSError) as exc:
            self.view.show_message(str(exc), "error")
            return None
        self.view.show_message(
            f"Caisse ouverte, fond de caisse {format_euros(opening_float_cents)}."
        )
        return session

    def close_session(self, counted: Mapping[str, int], note: str = "") -> CashSessionReport | None:
        if not self._require_cashier():
            return None
        if self.lines:
            self.view.show_message("Terminez la vente en cours avant la clôture.", "error")
            return None
        waiting = self.outbox.pending_count()
        if waiting and not self.view.confirm(
            f"{waiting} ticket(s) n'ont pas encore été envoyés au serveur. Clôturer quand même ? "
            "(Non : attendre la synchronisation)"
        ):
            return None
        try:
            report = self.sessions.close(
                cashier_id=self.cashier.id if self.cashier else None, counted=counted, note=note
            )
        except (ValueError, OSError, ValidationError) as exc:
            self.view.show_message(str(exc), "error")
            return None
        self.z_report = self.session_report(report)
        printed = self._print(self.z_report)
        self.view.show_message(
            f"Caisse clôturée : écart {format_euros(report.difference_cents)}."
            + (" Rapport Z imprimé." if printed else "")
        )
        return report

    def session_report(self, session: CashSessionReport) -> Receipt:
        """The X (open session) or Z (closed) summary as a printable document."""
        lines = self.sessions.summary(session)
        width = len(lines[0]) if lines else 42
        return Receipt(
            lines=[self.shop_name.center(width)[:width], *lines], savings_cents=0, change_cents=0
        )

    def x_report(self) -> Receipt | None:
        """The X summary of the open session, printed when the till has a printer."""
        session = self.sessions.current()
        if session is None:
            self.view.show_message(
                "Aucune session de caisse ouverte (F10 pour l'ouvrir).", "warning"
            )
            return None
        report = self.session_report(session)
        if self._print(report):
            self.view.show_message("Rapport X imprimé.")
        return report

    # -- status ------------------------------------------------------------------------------
    def apply_sync_report(self, report: SyncReport) -> None:
        """A round of the sync agent ended (handed to the view's thread): the status bar says
        the link's state (a round online is the last sync), each problem is an error."""
        self.update_link(
            report.state, self.now() if report.state == ONLINE else None, report.message
        )
        for problem in report.problems:
            self.view.show_message(problem, "error")

    def update_link(self, state: str, last_sync: datetime | None, message: str = "") -> None:
        self.link_state = state
        if last_sync is not None:
            self.last_sync = last_sync
        self.link_message = message
        self.view.show_status(self.status())

    def status(self) -> StatusInfo:
        return StatusInfo(
            state=self.link_state,
            waiting=self.outbox.pending_count(),
            rejected=self.outbox.rejected_count(),
            last_sync=self.last_sync,
            prices_at=self.prices_at,
            tz=self.tz,
            message=self.link_message,
        )
