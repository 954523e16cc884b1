"""The home page's figures: what a shop's team should know, or do, today — each figure a link
to the page where it is dealt with, each section shown only to the roles allowed that page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cabas.gestion.beneficiaries.selectors import households_ending
from cabas.gestion.catalog.models import Product
from cabas.gestion.pos.models import Device
from cabas.gestion.purchasing.models import OPEN_STATES, PurchaseOrder
from cabas.gestion.sales.models import Anomaly, QuarantinedPayload, Ticket
from cabas.gestion.stock.selectors import alert_counts
from cabas.gestion.stores.models import Membership
from cabas.gestion.stores.permissions import Perm
from cabas.rules.money import format_euros

# A till syncs every 10 s while its window is open: tickets it reported waiting an hour after
# its last contact are stuck on that PC (switched off, or offline) and worth a look.
STUCK_AFTER = timedelta(hours=1)
DLC_SOON_DAYS = 3
RIGHTS_ENDING_DAYS = 14

BAD, WARN, OK, INFO = "bad", "warn", "ok", ""


@dataclass(frozen=True)
class Tile:
    value: str
    label: str | Promise
    url: str
    level: str = INFO


@dataclass
class Section:
    title: str | Promise
    tiles: list[Tile] = field(default_factory=list)
    note: str = ""


def _local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def _today_section(membership: Membership, today: date, zone: ZoneInfo) -> Section:
    start, end = _local_day_bounds(today, zone)
    figures = Ticket.objects.filter(
        store=membership.store, created_at__gte=start, created_at__lt=end
    ).aggregate(
        sales=Count("pk", filter=Q(refund_of__isnull=True)),
        paid=Sum("total_cents"),
        households=Count("household", distinct=True),
        savings=Sum(F("full_price_cents") - F("total_cents"), filter=Q(household__isnull=False)),
    )
    tickets_url = reverse("sales:ticket_list") + f"?start={today.isoformat()}"
    return Section(
        _("Aujourd'hui"),
        [
            Tile(str(figures["sales"]), _("ticket(s) de vente"), tickets_url),
            Tile(
                format_euros(figures["paid"] or 0),
                _("encaissés (remboursements déduits)"),
                tickets_url,
            ),
            Tile(str(figures["households"]), _("foyer(s) servi(s)"), tickets_url),
            Tile(
                format_euros(figures["savings"] or 0), _("d'économies pour les foyers"), tickets_url
            ),
        ],
    )


def _tills_section(membership: Membership, now: datetime) -> Section:
    store = membership.store
    section = Section(_("Caisses"))
    devices = list(
        Device.objects.filter(store=store, revoked_at__isnull=True).order_by("name", "pk")
    )
    pos_url = reverse("pos:home")
    for device in devices:
        seen = device.last_seen_at
        waiting = device.pending_count or 0
        if seen is None:
            level, value = WARN, str(_("jamais connectée"))
        else:
            stuck = waiting and now - seen > STUCK_AFTER
            level = WARN if stuck else OK if now - seen <= STUCK_AFTER else INFO
            value = timezone.localtime(seen, ZoneInfo(store.timezone)).strftime("%d/%m %H:%M")
        label = str(_("dernier contact de « %(name)s »")) % {"name": device.name}
        if waiting:
            label += " · " + ngettext(
                "%(count)d ticket en attente", "%(count)d tickets en attente", waiting
            ) % {"count": waiting}
        section.tiles.append(Tile(value, label, pos_url, level))
    if not devices:
        section.tiles.append(Tile("0", _("caisse enrôlée : ajoutez-en une"), pos_url, WARN))
    if membership.has_perm(Perm.SALES_REVIEW):
        anomalies = Anomaly.objects.filter(store=store, handled_at__isnull=True).count()
        quarantined = QuarantinedPayload.objects.filter(store=store).count()
        section.tiles.append(
            Tile(
                str(anomalies),
                _("anomalie(s) de vente à revoir"),
                reverse("sales:anomaly_list"),
                WARN if anomalies else OK,
            )
        )
        if quarantined:
            section.tiles.append(
                Tile(
                    str(quarantined),
                    _("envoi(s) refusé(s) en quarantaine"),
                    reverse("sales:quarantine_list"),
                    BAD,
                )
            )
    return section


def _stock_section(membership: Membership) -> Section:
    store = membership.store
    alerts = alert_counts(store, days=DLC_SOON_DAYS)
    dates_url = reverse("stock:dates")
    below = Product.objects.filter(
        store=store, active=True, min_stock__isnull=False, stock_qty__lt=F("min_stock")
    ).count()
    return Section(
        _("Stock"),
        [
            Tile(
                str(alerts["dlc_passed"]),
                _("lot(s) à DLC dépassée, à retirer"),
                dates_url + "#dlc-passee",
                BAD if alerts["dlc_passed"] else OK,
            ),
            Tile(
                str(alerts["dlc_soon"]),
                str(_("lot(s) à DLC dans les %(days)d jours")) % {"days": DLC_SOON_DAYS},
                dates_url + "#dlc-proche",
                WARN if alerts["dlc_soon"] else OK,
            ),
            Tile(
                str(below),
                _("produit(s) sous le stock minimum"),
                reverse("catalog:product_list") + "?below_minimum=on",
                WARN if below else OK,
            ),
        ],
    )


def _orders_section(membership: Membership, today: date) -> Section:
    orders = PurchaseOrder.objects.filter(store=membership.store, state__in=OPEN_STATES)
    figures = orders.aggregate(
        open=Count("pk"),
        late=Count("pk", filter=Q(expected_on__lt=today)),
        due=Count("pk", filter=Q(expected_on=today)),
    )
    url = reverse("purchasing:home")
    tiles = [Tile(str(figures["open"]), _("commande(s) en attente de livraison"), url)]
    if figures["due"]:
        tiles.append(Tile(str(figures["due"]), _("livraison(s) attendue(s) aujourd'hui"), url, OK))
    if figures["late"]:
        tiles.append(Tile(str(figures["late"]), _("livraison(s) en retard"), url, WARN))
    return Section(_("Commandes"), tiles)


def _beneficiaries_section(membership: Membership, today: date) -> Section:
    ending = households_ending(membership.store, today=today, days=RIGHTS_ENDING_DAYS).count()
    return Section(
        _("Bénéficiaires"),
        [
            Tile(
                str(ending),
                str(_("foyer(s) en fin de droits d'ici %(days)d jours"))
                % {"days": RIGHTS_ENDING_DAYS},
                reverse("beneficiaries:ending") + f"?days={RIGHTS_ENDING_DAYS}",
                WARN if ending else OK,
            )
        ],
    )


def dashboard(membership: Membership, *, now: datetime | None = None) -> list[Section]:
    """The sections `membership`'s role may see, for its shop only."""
    now = now or timezone.now()
    zone = ZoneInfo(membership.store.timezone)
    today = timezone.localtime(now, zone).date()
    sections = []
    if membership.has_perm(Perm.SALES_VIEW):
        sections.append(_today_section(membership, today, zone))
    if membership.has_perm(Perm.TILL_MANAGE):
        sections.append(_tills_section(membership, now))
    if membership.has_perm(Perm.STOCK_MANAGE):
        sections.append(_stock_section(membership))
    if membership.has_perm(Perm.PURCHASING_MANAGE):
        sections.append(_orders_section(membership, today))
    if membership.has_perm(Perm.BENEFICIARIES_MANAGE):
        sections.append(_beneficiaries_section(membership, today))
    return sections
