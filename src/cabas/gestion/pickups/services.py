"""The only writers of collections: donor shops and their rates, the families goods are
weighed by, collection rounds and their lines, and the validation that puts a round in stock.

Stock is written only through :mod:`cabas.gestion.stock.services` (``lot_receive``: a
donated lot of origin ``supermarket`` and its entry movement), in the validation's transaction.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabas.gestion.audit.services import audit_record
from cabas.gestion.catalog.models import Origin, Product, Unit
from cabas.gestion.catalog.selectors import entry_limit
from cabas.gestion.core.forms import check_date_bounds
from cabas.gestion.pickups.documents import COLLECTION_DOCUMENT
from cabas.gestion.pickups.models import (
    TENTHS,
    Collection,
    CollectionLine,
    CollectionState,
    DonorRate,
    DonorShop,
    PickupCategory,
    RefusalReason,
    Valuation,
)
from cabas.gestion.stock.documents import DocumentRef
from cabas.gestion.stock.models import MovementKind
from cabas.gestion.stock.services import check_entry_quantity, lot_receive
from cabas.gestion.stores.models import Store
from cabas.rules.identifiers import clean_siren
from cabas.rules.money import GRAMS_PER_KG, round_cents
from cabas.rules.quantities import format_quantity

# Temperatures on arrival a thermometer may show: beyond, it is a typo (35 for 3.5).
MIN_TEMPERATURE_TENTHS = -400
MAX_TEMPERATURE_TENTHS = 400
# A value per kilo or a declared value beyond these is a typo, not a gift.
MAX_VALUE_PER_KG_CENTS = 100_000  # 1,000 € a kilo
MAX_DECLARED_CENTS = 10_000_000  # 100,000 € for one line

DONOR_FIELDS = (
    "name",
    "siren",
    "address",
    "postal_code",
    "city",
    "contact_name",
    "phone",
    "email",
    "valuation",
    "active",
    "notes",
)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _local(store: Store, moment: datetime) -> datetime:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(store.timezone))


# --- Donors -----------------------------------------------------------------------------


def _clean_donor(donor: DonorShop) -> None:
    donor.name = " ".join(donor.name.split())
    try:
        donor.siren = clean_siren(donor.siren)
    except ValueError as error:
        raise ValidationError({"siren": str(error)}) from None
    if donor.valuation not in Valuation.values:
        raise ValidationError({"valuation": _("Choisissez comment valoriser les dons.")})
    donor.full_clean(exclude=["store"])


def _save_donor(donor: DonorShop) -> None:
    try:
        with transaction.atomic():
            donor.save()
    except IntegrityError:
        raise ValidationError(
            {"name": _("Un magasin donateur porte déjà ce nom dans l'épicerie.")}
        ) from None


@transaction.atomic
def donor_create(*, store: Store, actor: Any, data: Mapping[str, Any]) -> DonorShop:
    donor = DonorShop(store=store, **{k: v for k, v in data.items() if k in DONOR_FIELDS})
    _clean_donor(donor)
    _save_donor(donor)
    audit_record(store=store, actor=actor, action="pickups.donor_create", target=donor)
    return donor


@transaction.atomic
def donor_update(*, donor: DonorShop, actor: Any, data: Mapping[str, Any]) -> DonorShop:
    # Locked: two people editing the donor at once would each overwrite the other's change.
    donor = DonorShop.objects.select_for_update().get(pk=donor.pk, store_id=donor.store_id)
    for key, value in data.items():
        if key in DONOR_FIELDS:
            setattr(donor, key, value)
    _clean_donor(donor)
    _save_donor(donor)
    audit_record(store=donor.store, actor=actor, action="pickups.donor_update", target=donor)
    return donor


def _check_value_per_kg(cents: int, field: str = "value_per_kg_cents") -> None:
    if not 0 <= cents <= MAX_VALUE_PER_KG_CENTS:
        raise ValidationError(
            {field: _("Une valeur au kilo entre 0 et 1 000 € : vérifiez la saisie.")}
        )


@transaction.atomic
def donor_rates_set(
    *, donor: DonorShop, actor: Any, rates: Mapping[PickupCategory, int | None]
) -> None:
    """The donor's own values per kilo (None: the family's value applies)."""
    for category, cents in rates.items():
        if category.store_id != donor.store_id:
            raise ValidationError(_("Cette famille n'existe pas dans cette épicerie."))
        if cents is None:
            DonorRate.objects.filter(donor=donor, category=category).delete()
            continue
        _check_value_per_kg(cents)
        DonorRate.objects.update_or_create(
            donor=donor,
            category=category,
            defaults={"store_id": donor.store_id, "value_per_kg_cents": cents},
        )
    audit_record(
        store=donor.store,
        actor=actor,
        action="pickups.donor_rates_set",
        target=donor,
        changes={"rates": {c.name: v for c, v in rates.items()}},
    )


# --- Families ---------------------------------------------------------------------------

CATEGORY_FIELDS = (
    "name",
    "chilled",
    "max_temperature_tenths",
    "value_per_kg_cents",
    "bulk_product",
    "position",
    "active",
)

# The families most networks weigh by; the values per kilo are the shop's to set.
DEFAULT_CATEGORIES: list[tuple[str, bool, int | None]] = [
    ("Fruits et légumes", False, None),
    ("Produits laitiers et frais", True, 40),
    ("Viandes, poissons, traiteur", True, 40),
    ("Surgelés", True, -150),
    ("Boulangerie, viennoiserie", False, None),
    ("Épicerie", False, None),
    ("Boissons", False, None),
    ("Hygiène et entretien", False, None),
]


def _clean_category(category: PickupCategory) -> None:
    category.name = " ".join(category.name.split())
    if not category.name:
        raise ValidationError({"name": _("Donnez un nom à la famille.")})
    _check_value_per_kg(category.value_per_kg_cents)
    limit = category.max_temperature_tenths
    if limit is not None and not MIN_TEMPERATURE_TENTHS <= limit <= MAX_TEMPERATURE_TENTHS:
        raise ValidationError(
            {"max_temperature_tenths": _("Une température entre -40 °C et +40 °C.")}
        )
    if not category.chilled:
        category.max_temperature_tenths = None
    product = category.bulk_product
    if product is not None:
        if product.store_id != category.store_id:
            raise ValidationError({"bulk_product": _("Ce produit n'existe pas dans l'épicerie.")})
        if product.unit != Unit.KG:
            raise ValidationError(
                {"bulk_product": _("Choisissez un produit vendu au kilo pour les pesées.")}
            )


def _save_category(category: PickupCategory) -> None:
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise ValidationError({"name": _("Une famille porte déjà ce nom.")}) from None


@transaction.atomic
def pickup_category_create(*, store: Store, actor: Any, data: Mapping[str, Any]) -> PickupCategory:
    category = PickupCategory(
        store=store, **{k: v for k, v in data.items() if k in CATEGORY_FIELDS}
    )
    _clean_category(category)
    _save_category(category)
    audit_record(store=store, actor=actor, action="pickups.category_create", target=category)
    return category


@transaction.atomic
def pickup_category_update(
    *, category: PickupCategory, actor: Any, data: Mapping[str, Any]
) -> PickupCategory:
    category = PickupCategory.objects.select_for_update().get(
        pk=category.pk, store_id=category.store_id
    )
    for key, value in data.items():
        if key in CATEGORY_FIELDS:
            setattr(category, key, value)
    _clean_category(category)
    _save_category(category)
    audit_record(
        store=category.store, actor=actor, action="pickups.category_update", target=category
    )
    return category


@transaction.atomic
def pickup_categories_create_defaults(*, store: Store, actor: Any) -> list[PickupCategory]:
    """The usual families, for a shop that has none yet (those it has are kept)."""
    have = set(PickupCategory.objects.filter(store=store).values_list("name", flat=True))
    made = []
    for position, (name, chilled, limit) in enumerate(DEFAULT_CATEGORIES, start=1):
        if name in have:
            continue
        made.append(
            pickup_category_create(
                store=store,
                actor=actor,
                data={
                    "name": name,
                    "chilled": chilled,
                    "max_temperature_tenths": limit,
                    "position": position,
                },
            )
        )
    return made


# --- Rounds -----------------------------------------------------------------------------


@transaction.atomic
def collection_start(
    *, store: Store, donor: DonorShop, actor: Any, collected_at: datetime | None = None
) -> Collection:
    if donor.store_id != store.pk:
        raise ValidationError(_("Ce magasin donateur n'existe pas dans cette épicerie."))
    if not donor.active:
        raise ValidationError(
            {"donor": _("%(name)s n'est plus un donateur actif.") % {"name": donor.name}}
        )
    now = timezone.now()
    collected_at = collected_at or now
    if timezone.is_naive(collected_at):
        raise ValueError("collected_at must be timezone-aware")
    if collected_at > now + timedelta(hours=1):
        raise ValidationError({"collected_at": _("Une ramasse ne peut pas être dans le futur.")})
    check_date_bounds(collected_at.date())
    return Collection.objects.create(
        store=store, donor=donor, collected_at=collected_at, collected_by=_user(actor)
    )


def _locked_draft(collection: Collection) -> Collection:
    # Locked: a line added while the round is validated would miss the stock.
    locked = (
        Collection.objects.select_for_update()
        .select_related("donor")
        .get(pk=collection.pk, store_id=collection.store_id)
    )
    if not locked.is_draft:
        raise ValidationError(
            _("Cette ramasse est « %(state)s » : elle ne se modifie plus.")
            % {"state": locked.get_state_display()}
        )
    return locked


@dataclass(frozen=True)
class LineEntry:
    """A line as typed: weights in grams, temperature in tenths of a degree, ``quantity``
    in pieces (a piece product) or None (a weighed product: its weight is its quantity)."""

    category: PickupCategory
    weight_grams: int
    product: Product | None = None
    quantity: int | None = None
    dlc: date | None = None
    ddm: date | None = None
    temperature_tenths: int | None = None
    refused_grams: int = 0
    refused_reason: str = ""
    refused_note: str = ""
    declared_value_cents: int | None = None


def _check_weights(store: Store, entry: LineEntry) -> None:
    limit = entry_limit(store, Unit.KG)
    for field, grams in (("weight", entry.weight_grams), ("refused", entry.refused_grams)):
        if grams < 0:
            raise ValidationError({field: _("Un poids ne peut pas être négatif.")})
        if grams > limit:
            raise ValidationError(
                {
                    field: _(
                        "%(weight)s pour une seule ligne, c'est plus que le maximum de "
                        "l'épicerie (%(limit)s) : vérifiez la saisie."
                    )
                    % {
                        "weight": format_quantity(grams, Unit.KG),
                        "limit": format_quantity(limit, Unit.KG),
                    }
                }
            )
    if entry.weight_grams == 0 and entry.refused_grams == 0:
        raise ValidationError({"weight": _("Indiquez le poids accepté ou refusé.")})
    if entry.refused_grams and not entry.refused_reason:
        raise ValidationError({"refused_reason": _("Dites pourquoi la marchandise est refusée.")})
    if entry.refused_reason and entry.refused_reason not in RefusalReason.values:
        raise ValidationError({"refused_reason": _("Choisissez un motif de refus.")})


def _check_product(store: Store, entry: LineEntry) -> int | None:
    """The quantity that enters stock (pieces, or grams), None when nothing does."""
    product = entry.product
    if product is None:
        if entry.weight_grams and entry.category.bulk_product_id is None:
            raise ValidationError(
                {
                    "product": _(
                        "Indiquez le produit : la famille « %(name)s » n'a pas de produit pour "
                        "les pesées sans produit (réglage de la famille)."
                    )
                    % {"name": entry.category.name}
                }
            )
        return entry.weight_grams or None
    if product.store_id != store.pk:
        raise ValidationError({"product": _("Ce produit n'existe pas dans cette épicerie.")})
    if not entry.weight_grams:
        return None
    if product.unit == Unit.KG:
        return entry.weight_grams
    if entry.quantity is None or entry.quantity <= 0:
        raise ValidationError({"quantity": _("Indiquez le nombre de pièces acceptées.")})
    check_entry_quantity(store=store, product=product, quantity=entry.quantity)
    return entry.quantity


def _check_dates(entry: LineEntry, collected_on: date) -> None:
    if entry.dlc and entry.ddm:
        raise ValidationError({"date": _("Une DLC ou une DDM, pas les deux.")})
    day = entry.dlc or entry.ddm
    if day is None:
        return
    try:
        check_date_bounds(day)
    except ValidationError as error:
        raise ValidationError({"date": error.messages}) from None
    if entry.dlc and entry.dlc < collected_on and entry.weight_grams:
        raise ValidationError(
            {
                "date": _(
                    "DLC du %(dlc)s déjà dépassée : refusez cette marchandise (motif « DLC "
                    "dépassée »), elle n'entre pas en stock."
                )
                % {"dlc": f"{entry.dlc:%d/%m/%Y}"}
            }
        )


def _check_temperature(entry: LineEntry) -> None:
    tenths = entry.temperature_tenths
    if tenths is not None and not MIN_TEMPERATURE_TENTHS <= tenths <= MAX_TEMPERATURE_TENTHS:
        raise ValidationError(
            {
                "temperature": _(
                    "%(t)s °C n'est pas une température plausible à l'arrivée (entre -40 et "
                    "+40 °C) : vérifiez la saisie."
                )
                % {"t": f"{tenths / TENTHS:.1f}".replace(".", ",")}
            }
        )
    category = entry.category
    if not category.chilled or not entry.weight_grams:
        return
    if tenths is None:
        raise ValidationError(
            {
                "temperature": _(
                    "Famille « %(name)s » : notez la température à l'arrivée des produits."
                )
                % {"name": category.name}
            }
        )
    limit = category.max_temperature_tenths
    if limit is not None and tenths > limit:
        raise ValidationError(
            {
                "temperature": _(
                    "%(t)s °C, au-dessus des %(max)s °C de la famille « %(name)s » : la chaîne "
                    "du froid est rompue. Refusez la marchandise (motif « chaîne du froid "
                    "rompue »)."
                )
                % {
                    "t": f"{tenths / TENTHS:.1f}".replace(".", ","),
                    "max": f"{limit / TENTHS:.1f}".replace(".", ","),
                    "name": category.name,
                }
            }
        )


def line_value_cents(donor: DonorShop, entry: LineEntry) -> tuple[str, int]:
    """The donor's rule and the value of what was accepted by it."""
    if donor.valuation == Valuation.DECLARED:
        declared = entry.declared_value_cents
        if entry.weight_grams and declared is None:
            raise ValidationError(
                {
                    "declared_value": _("%(name)s déclare ses valeurs : indiquez celle-ci.")
                    % {"name": donor.name}
                }
            )
        if declared is not None and not 0 <= declared <= MAX_DECLARED_CENTS:
            raise ValidationError(
                {"declared_value": _("Une valeur entre 0 et 100 000 € : vérifiez la saisie.")}
            )
        return Valuation.DECLARED, (declared or 0) if entry.weight_grams else 0
    rate = (
        DonorRate.objects.filter(donor=donor, category=entry.category)
        .values_list("value_per_kg_cents", flat=True)
        .first()
    )
    per_kg = entry.category.value_per_kg_cents if rate is None else rate
    return Valuation.PER_KG, round_cents(Fraction(entry.weight_grams * per_kg, GRAMS_PER_KG))


@transaction.atomic
def collection_line_add(*, collection: Collection, entry: LineEntry, actor: Any) -> CollectionLine:
    """Add a crate or a product to a round being entered; every check a volunteer needs at
    the back door (a past DLC, a broken cold chain, a weight typed in grams for kilos)."""
    locked = _locked_draft(collection)
    store = locked.store
    if entry.category.store_id != store.pk:
        raise ValidationError({"category": _("Cette famille n'existe pas dans cette épicerie.")})
    _check_weights(store, entry)
    quantity = _check_product(store, entry)
    _check_dates(entry, _local(store, locked.collected_at).date())
    _check_temperature(entry)
    valuation, value = line_value_cents(locked.donor, entry)
    product = entry.product
    return CollectionLine.objects.create(
        store=store,
        collection=locked,
        category=entry.category,
        product=product,
        quantity=quantity if product is not None else None,
        weight_grams=entry.weight_grams,
        refused_grams=entry.refused_grams,
        refused_reason=entry.refused_reason if entry.refused_grams else "",
        refused_note=" ".join(entry.refused_note.split())[:200] if entry.refused_grams else "",
        dlc=entry.dlc,
        ddm=entry.ddm,
        temperature_tenths=entry.temperature_tenths,
        valuation=valuation,
        declared_value_cents=entry.declared_value_cents
        if valuation == Valuation.DECLARED
        else None,
        value_cents=value,
        created_by=_user(actor),
    )


@transaction.atomic
def collection_line_remove(*, line: CollectionLine, actor: Any) -> None:
    _locked_draft(line.collection)
    CollectionLine.objects.filter(pk=line.pk).delete()


@transaction.atomic
def collection_validate(*, collection: Collection, actor: Any) -> Collection:
    """The round's accepted goods enter stock: one donated lot of origin ``supermarket`` per
    line, dated as collected (under the family's product for a crate weighed without one)."""
    locked = _locked_draft(collection)
    lines = list(locked.lines.select_related("category__bulk_product", "product").order_by("id"))
    if not lines:
        raise ValidationError(_("Cette ramasse n'a aucune ligne : ajoutez-en ou annulez-la."))
    donor = locked.donor
    reason = _("Ramasse chez %(name)s") % {"name": donor.name}
    for line in lines:
        if not line.weight_grams:
            continue  # all of it refused
        product = line.product or line.category.bulk_product
        if product is None:
            raise ValidationError(
                _("La famille « %(name)s » n'a plus de produit pour les pesées sans produit.")
                % {"name": line.category.name}
            )
        quantity = line.quantity if line.product is not None else line.weight_grams
        assert quantity is not None
        line.lot = lot_receive(
            store=locked.store,
            product=product,
            quantity=quantity,
            actor=actor,
            kind=MovementKind.DONATION,
            dlc=line.dlc,
            ddm=line.ddm,
            origin=Origin.SUPERMARKET,
            source_label=donor.name,
            document=DocumentRef(COLLECTION_DOCUMENT, str(locked.pk)),
            received_at=locked.collected_at,
            reason=reason,
        )
        line.save(update_fields=["lot"])
    locked.state = CollectionState.VALIDATED
    locked.validated_at = timezone.now()
    locked.validated_by = _user(actor)
    locked.save(update_fields=["state", "validated_at", "validated_by"])
    audit_record(
        store=locked.store,
        actor=actor,
        action="pickups.collection_validate",
        target=locked,
        changes={
            "lines": len(lines),
            "weight_grams": sum(line.weight_grams for line in lines),
            "value_cents": sum(line.value_cents for line in lines),
        },
    )
    collection.state = locked.state
    return locked


@transaction.atomic
def collection_cancel(*, collection: Collection, actor: Any) -> Collection:
    locked = _locked_draft(collection)
    locked.state = CollectionState.CANCELLED
    locked.save(update_fields=["state"])
    audit_record(store=locked.store, actor=actor, action="pickups.collection_cancel", target=locked)
    collection.state = locked.state
    return locked
