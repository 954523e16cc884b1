"""Writes to the catalogue: categories, products, barcodes. One transaction each; price
changes and archiving leave an audit trace."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record, diff_fields, snapshot_fields
from cabas.gestion.catalog.generic import generic_products, generic_selection
from cabas.gestion.catalog.models import (
    Barcode,
    BarcodeKind,
    CatalogSettings,
    CatalogTombstone,
    Category,
    Origin,
    Product,
    QualityTag,
    Unit,
    tags_text,
)
from cabas.gestion.stores.models import Store
from cabas.rules import barcodes as barcode_rules
from cabas.rules.pricing import EU_PROGRAMME_CODE, PROGRAMME_ORIGINS, programme_origin
from cabas.rules.weights import validate_net_weight

PRODUCT_FIELDS = (
    "name",
    "brand",
    "category",
    "unit",
    "price_cents",
    "cost_cents",
    "vat_rate_bp",
    "origin",
    "programme",
    "rate_bp",
    "min_stock",
    "max_stock",
    "net_weight_g",
    "tags",
)
# Changes of these are audited (prices and what decides the price a household pays).
AUDITED_PRODUCT_FIELDS = (
    "price_cents",
    "cost_cents",
    "vat_rate_bp",
    "origin",
    "programme",
    "rate_bp",
    "unit",
)


def search_key(*parts: str) -> str:
    """Lower-case, accent-free text for the name search ("Pâtes Panzani" → "pates panzani")."""
    text = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


# --- settings -----------------------------------------------------------------------------


def catalog_settings_get_or_create(*, store: Store) -> CatalogSettings:
    settings, _created = CatalogSettings.objects.get_or_create(
        store=store, defaults={"store_number": store.pk % 1000}
    )
    return settings


@transaction.atomic
def catalog_settings_update(
    *,
    store: Store,
    actor: User | None,
    scale_layout: Mapping[str, object] | None = None,
    store_number: int | None = None,
    max_entry_pieces: int | None = None,
    max_entry_grams: int | None = None,
) -> CatalogSettings:
    fields = ("scale_layout", "store_number", "max_entry_pieces", "max_entry_grams")
    settings = catalog_settings_get_or_create(store=store)
    before = snapshot_fields(settings, fields)
    if scale_layout is not None:
        try:
            layout = barcode_rules.parse_scale_layout(scale_layout)
        except ValueError as error:
            raise ValidationError({"scale_layout": str(error)}) from error
        settings.scale_layout = layout.to_dict()
    if store_number is not None:
        settings.store_number = store_number
    if max_entry_pieces is not None:
        settings.max_entry_pieces = max_entry_pieces
    if max_entry_grams is not None:
        settings.max_entry_grams = max_entry_grams
    settings.full_clean()
    settings.save(update_fields=[*fields, "updated_at"])
    changes = diff_fields(settings, before, fields)
    if changes:
        audit_record(
            store=store,
            actor=actor,
            action="catalog.settings_changed",
            target=settings,
            changes=changes,
        )
    return settings


# --- categories ---------------------------------------------------------------------------


def _check_category_parent(store: Store, parent: Category | None) -> None:
    if parent is None:
        return
    if parent.store_id != store.pk:
        raise ValidationError({"parent": _("Ce rayon n'appartient pas à l'épicerie.")})
    if parent.parent_id is not None:
        raise ValidationError(
            {"parent": _("Un sous-rayon ne peut pas en contenir d'autres : deux niveaux au plus.")}
        )


def _check_category_name_free(
    store: Store, parent: Category | None, name: str, exclude: int | None = None
) -> None:
    siblings = Category.objects.filter(store=store, parent=parent, name__iexact=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    if siblings.exists():
        raise ValidationError({"name": _("Un rayon porte déjà ce nom à cet endroit.")})


@transaction.atomic
def category_create(
    *,
    store: Store,
    name: str,
    parent: Category | None = None,
    position: int | None = None,
    rate_bp: int | None = None,
    actor: User | None = None,
) -> Category:
    name = " ".join(name.split())
    _check_category_parent(store, parent)
    _check_category_name_free(store, parent, name)
    if position is None:
        last = Category.objects.filter(store=store, parent=parent).order_by("-position").first()
        position = (last.position + 1) if last else 0
    category = Category(store=store, name=name, parent=parent, position=position, rate_bp=rate_bp)
    category.full_clean(validate_constraints=False)
    category.save()
    return category


@transaction.atomic
def category_update(
    *,
    category: Category,
    actor: User | None,
    name: str,
    parent: Category | None,
    position: int,
    rate_bp: int | None,
) -> Category:
    name = " ".join(name.split())
    if parent is not None and (parent.pk == category.pk or category.children.exists()):
        raise ValidationError(
            {"parent": _("Un rayon qui a des sous-rayons ne peut pas devenir un sous-rayon.")}
        )
    _check_category_parent(category.store, parent)
    _check_category_name_free(category.store, parent, name, exclude=category.pk)
    before = snapshot_fields(category, ("rate_bp",))
    category.name, category.parent, category.position = name, parent, position
    category.rate_bp = rate_bp
    category.full_clean(validate_constraints=False)
    category.save(update_fields=["name", "parent", "position", "rate_bp", "updated_at"])
    changes = diff_fields(category, before, ("rate_bp",))
    if changes:
        audit_record(
            store=category.store,
            actor=actor,
            action="catalog.category_rate_changed",
            target=category,
            changes=changes,
        )
    return category


@transaction.atomic
def category_delete(*, category: Category, actor: User | None) -> None:
    """Delete an empty category (no product, archived or not, and no sous-rayon)."""
    if category.children.exists() or category.products.exists():
        raise ValidationError(
            _("Ce rayon contient des produits ou des sous-rayons : déplacez-les d'abord.")
        )
    CatalogTombstone.objects.create(
        store_id=category.store_id, kind=CatalogTombstone.Kind.CATEGORY, object_id=category.pk
    )
    audit_record(
        store=category.store, actor=actor, action="catalog.category_deleted", target=category
    )
    category.delete()


# --- products -----------------------------------------------------------------------------


def _check_weight_and_tags(product: Product, errors: dict[str, str]) -> None:
    """A "kg" product weighs its quantity (no weight per piece); tags are QualityTag values,
    stored by tags_text()."""
    if product.unit == Unit.KG:
        product.net_weight_g = None
    try:
        validate_net_weight(product.net_weight_g)
    except ValueError as error:
        errors["net_weight_g"] = str(error)
    tags = product.tags.split() if isinstance(product.tags, str) else list(product.tags)
    unknown = sorted(set(tags) - set(QualityTag.values))
    if unknown:
        errors["tags"] = _("Étiquette inconnue : %(tag)s.") % {"tag": unknown[0]}
    product.tags = tags_text(tags)


def _check_product(product: Product) -> None:
    errors: dict[str, str] = {}
    if product.category.store_id != product.store_id:
        errors["category"] = _("Ce rayon n'appartient pas à l'épicerie.")
    if product.origin == Origin.EU_AID and not product.programme:
        product.programme = EU_PROGRAMME_CODE
    if product.origin == Origin.PROGRAMME and product.programme:
        # "programme" FSE+ (the way EU aid was written before origins were detailed) is EU aid.
        product.origin = programme_origin(product.programme)
    if product.origin == Origin.PROGRAMME and not product.programme:
        errors["programme"] = _("Indiquez le programme d'aide (par exemple PNAA ou CNES).")
    _check_weight_and_tags(product, errors)
    if product.origin not in PROGRAMME_ORIGINS and product.programme:
        errors["programme"] = _(
            "Le programme ne s'indique que pour un produit provenant d'un programme d'aide."
        )
    if (
        product.min_stock is not None
        and product.max_stock is not None
        and product.min_stock > product.max_stock
    ):
        errors["max_stock"] = _("Le stock maximum doit être supérieur au stock minimum.")
    if errors:
        raise ValidationError(errors)
    product.full_clean(exclude=["store", "category"], validate_constraints=False)


@transaction.atomic
def product_create(
    *,
    store: Store,
    actor: User | None,
    name: str,
    category: Category,
    price_cents: int,
    unit: str = "piece",
    brand: str = "",
    cost_cents: int = 0,
    vat_rate_bp: int = 550,
    origin: str = "purchase",
    programme: str = "",
    rate_bp: int | None = None,
    min_stock: int | None = None,
    max_stock: int | None = None,
    net_weight_g: int | None = None,
    tags: str | Iterable[str] = "",
    barcodes: list[str] | tuple[str, ...] = (),
) -> Product:
    product = Product(
        store=store,
        name=" ".join(name.split()),
        brand=" ".join(brand.split()),
        category=category,
        unit=unit,
        price_cents=price_cents,
        cost_cents=cost_cents,
        vat_rate_bp=vat_rate_bp,
        origin=origin,
        programme=programme.strip(),
        rate_bp=rate_bp,
        min_stock=min_stock,
        max_stock=max_stock,
        net_weight_g=net_weight_g,
        tags=tags if isinstance(tags, str) else " ".join(tags),
    )
    product.search_text = search_key(product.name, product.brand)
    _check_product(product)
    product.save()
    for code in barcodes:
        barcode_attach(product=product, code=code, actor=actor)
    audit_record(
        store=store,
        actor=actor,
        action="catalog.product_created",
        target=product,
        changes={"price_cents": [None, product.price_cents]},
    )
    return product


@transaction.atomic
def product_update(*, product: Product, actor: User | None, data: Mapping[str, Any]) -> Product:
    """Change some of PRODUCT_FIELDS (unknown keys are refused: stock_qty is the stock app's)."""
    unknown = set(data) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValueError(f"product_update cannot change {sorted(unknown)}")
    before = snapshot_fields(product, AUDITED_PRODUCT_FIELDS)
    for field, value in data.items():
        if field in ("name", "brand"):
            value = " ".join(str(value).split())
        elif field == "programme":
            value = str(value).strip()
        setattr(product, field, value)
    product.search_text = search_key(product.name, product.brand)
    _check_product(product)
    product.save(update_fields=[*data.keys(), "search_text", "updated_at"])
    changes = diff_fields(product, before, AUDITED_PRODUCT_FIELDS)
    if changes:
        audit_record(
            store=product.store,
            actor=actor,
            action="catalog.product_price_changed",
            target=product,
            changes=changes,
        )
    return product


@transaction.atomic
def product_archive(*, product: Product, actor: User | None, reason: str = "") -> Product:
    """Archive a product: the till stops selling it (the snapshot sends it with active false)."""
    if product.active:
        product.active = False
        product.save(update_fields=["active", "updated_at"])
        audit_record(
            store=product.store,
            actor=actor,
            action="catalog.product_archived",
            target=product,
            reason=reason,
        )
    return product


@transaction.atomic
def product_restore(*, product: Product, actor: User | None) -> Product:
    if not product.active:
        product.active = True
        product.save(update_fields=["active", "updated_at"])
        audit_record(
            store=product.store, actor=actor, action="catalog.product_restored", target=product
        )
    return product


# --- barcodes -----------------------------------------------------------------------------


def barcode_kind_of(code: str, layout: barcode_rules.ScaleLayout) -> str:
    """Check a normalised code and say what it is; French ValidationError if unusable."""
    if not code.isdigit() or len(code) not in (8, 12, 13):
        raise ValidationError(
            {
                "code": _("« %(code)s » n'est pas un code-barres : 8 ou 13 chiffres attendus.")
                % {"code": code}
            }
        )
    if not barcode_rules.is_valid_gtin(code):
        raise ValidationError(
            {
                "code": _("Le code « %(code)s » a une clé de contrôle fausse : vérifiez la saisie.")
                % {"code": code}
            }
        )
    kind = barcode_rules.classify(code, layout)
    if kind == "ean13" and layout.kind_of(code[:2]) is not None:
        scale = barcode_rules.decode_scale_code(code, layout)
        if scale is not None and scale.item_reference != code:
            raise ValidationError(
                {
                    "code": _(
                        "« %(code)s » est l'étiquette d'une pesée ; le produit s'enregistre sous "
                        "son code de référence %(ref)s."
                    )
                    % {"code": code, "ref": scale.item_reference}
                }
            )
        return BarcodeKind.SCALE
    return str(kind)


@transaction.atomic
def barcode_attach(*, product: Product, code: str, actor: User | None = None) -> Barcode:
    """Attach a scanned or typed code to a product (check digit verified, unique in the shop)."""
    normalized = barcode_rules.normalize(code)
    settings = catalog_settings_get_or_create(store=product.store)
    kind = barcode_kind_of(normalized, settings.layout())
    if len("".join(code.split())) == 12:
        kind = BarcodeKind.UPCA  # stored as its EAN-13 form, remembered as read
    existing = (
        Barcode.objects.filter(store_id=product.store_id, code=normalized)
        .select_related("product")
        .first()
    )
    if existing is not None:
        if existing.product_id == product.pk:
            raise ValidationError({"code": _("Ce code-barres est déjà celui de ce produit.")})
        raise ValidationError(
            {
                "code": _("Le code-barres %(code)s est déjà utilisé pour « %(product)s ».")
                % {"code": normalized, "product": existing.product.name}
            }
        )
    try:
        # A savepoint, so that a concurrent attach of the same code ends in a clear error.
        with transaction.atomic():
            barcode = Barcode.objects.create(
                store_id=product.store_id, product=product, code=normalized, kind=kind
            )
    except IntegrityError as error:
        raise ValidationError(
            {
                "code": _("Le code-barres %(code)s vient d'être attribué à un autre produit.")
                % {"code": normalized}
            }
        ) from error
    # The barcodes travel with the product in the till snapshot: bump updated_at.
    product.save(update_fields=["updated_at"])
    audit_record(
        store=product.store,
        actor=actor,
        action="catalog.barcode_attached",
        target=product,
        changes={"barcode": [None, normalized]},
    )
    return barcode


@transaction.atomic
def barcode_detach(*, barcode: Barcode, actor: User | None) -> None:
    product = barcode.product
    audit_record(
        store=product.store,
        actor=actor,
        action="catalog.barcode_detached",
        target=product,
        changes={"barcode": [barcode.code, None]},
    )
    barcode.delete()
    product.save(update_fields=["updated_at"])


@transaction.atomic
def product_assign_internal_code(*, product: Product, actor: User | None = None) -> Barcode:
    """Give a product without a barcode an internal EAN-13 (``20 SSS NNNNNNN C``).

    Returns its existing internal barcode if it already has one.
    """
    current = product.barcodes.filter(kind=BarcodeKind.INTERNAL).first()
    if current is not None:
        return current
    catalog_settings_get_or_create(store=product.store)
    # Lock the shop's settings row: two people printing labels at once must not draw the same
    # sequence number.
    settings = CatalogSettings.objects.select_for_update().get(store_id=product.store_id)
    layout = settings.layout()
    prefix = min(layout.internal_prefixes) if layout.internal_prefixes else "20"
    sequence = settings.next_internal_sequence
    while True:
        code = barcode_rules.make_internal_code(settings.store_number, sequence, prefix=prefix)
        if not Barcode.objects.filter(store_id=product.store_id, code=code).exists():
            break
        sequence += 1
    settings.next_internal_sequence = sequence + 1
    settings.save(update_fields=["next_internal_sequence", "updated_at"])
    product.internal_sequence = sequence
    product.save(update_fields=["internal_sequence", "updated_at"])
    barcode = Barcode.objects.create(
        store_id=product.store_id, product=product, code=code, kind=BarcodeKind.INTERNAL
    )
    audit_record(
        store=product.store,
        actor=actor,
        action="catalog.barcode_attached",
        target=product,
        changes={"barcode": [None, code]},
    )
    return barcode


# --- the generic catalogue ----------------------------------------------------------------


@dataclass(frozen=True)
class ActivationResult:
    categories_created: int
    products_created: int
    products_already_there: int


def _category_get_or_create(
    store: Store, name: str, parent: Category | None, cache: dict[tuple[int | None, str], Category]
) -> tuple[Category, bool]:
    key = (parent.pk if parent else None, name.casefold())
    if key in cache:
        return cache[key], False
    category = category_create(store=store, name=name, parent=parent)
    cache[key] = category
    return category, True


@transaction.atomic
def catalogue_activate(
    *, store: Store, categories: Iterable[str], actor: User | None = None
) -> ActivationResult:
    """Copy the generic catalogue's products of the chosen categories into the shop.

    ``categories`` holds rayon names ("Boissons") and/or "rayon › sous-rayon" paths (see
    :func:`cabas.gestion.catalog.generic.generic_paths`). Idempotent: an entry whose key the
    shop already has (even renamed, repriced or archived) is left alone. The shop's categories
    of the same name are reused. Products come without barcodes: one is attached the first
    time a product is scanned.
    """
    try:
        selection = generic_selection(categories)
    except ValueError as error:
        raise ValidationError(str(error)) from error
    catalog_settings_get_or_create(store=store)
    # Lock the shop's catalogue settings: two managers activating at once would both create
    # the same categories and products.
    settings = CatalogSettings.objects.select_for_update().get(store=store)
    existing_keys = set(
        Product.objects.filter(store=store, catalogue_key__isnull=False).values_list(
            "catalogue_key", flat=True
        )
    )
    wanted = [entry for entry in selection if entry.key not in existing_keys]
    cache: dict[tuple[int | None, str], Category] = {
        (c.parent_id, c.name.casefold()): c for c in Category.objects.filter(store=store)
    }
    created_categories = 0
    new_products: list[Product] = []
    for entry in wanted:
        rayon, created = _category_get_or_create(store, entry.rayon, None, cache)
        created_categories += created
        sous_rayon, created = _category_get_or_create(store, entry.sous_rayon, rayon, cache)
        created_categories += created
        new_products.append(
            Product(
                store=store,
                name=entry.name,
                brand=entry.brand,
                category=sous_rayon,
                unit=entry.unit,
                price_cents=entry.price_cents,
                vat_rate_bp=entry.vat_rate_bp,
                search_text=search_key(entry.name, entry.brand),
                catalogue_key=entry.key,
                net_weight_g=entry.net_weight_g,
                tags=tags_text(entry.tags),
            )
        )
    Product.objects.bulk_create(new_products, batch_size=500)
    result = ActivationResult(
        categories_created=created_categories,
        products_created=len(new_products),
        products_already_there=len(selection) - len(wanted),
    )
    if new_products:
        audit_record(
            store=store,
            actor=actor,
            action="catalog.catalogue_activated",
            target=settings,
            changes={
                "products_created": [0, result.products_created],
                "categories_created": [0, result.categories_created],
            },
        )
    return result


@transaction.atomic
def products_weigh_from_catalogue(*, store: Store, actor: Any = None) -> int:
    """Give the generic catalogue's net weight (and quality tags) to the shop's products made
    from it that have none yet: for shops that activated the catalogue before it had weights.
    A weight or a tag the shop typed is never overwritten. Returns how many products changed."""
    entries = {entry.key: entry for entry in generic_products()}
    changed = 0
    for product in Product.objects.select_for_update().filter(
        store=store, catalogue_key__isnull=False
    ):
        entry = entries.get(product.catalogue_key or "")
        if entry is None:
            continue
        fields = []
        if product.net_weight_g is None and entry.net_weight_g and product.unit != Unit.KG:
            product.net_weight_g = entry.net_weight_g
            fields.append("net_weight_g")
        if not product.tags and entry.tags:
            product.tags = tags_text(entry.tags)
            fields.append("tags")
        if fields:
            product.save(update_fields=[*fields, "updated_at"])
            changed += 1
    if changed:
        audit_record(
            store=store,
            actor=actor,
            action="catalog.weights_from_catalogue",
            target=catalog_settings_get_or_create(store=store),
            changes={"products": [0, changed]},
        )
    return changed
