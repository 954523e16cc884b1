"""The catalogue of a shop: rayons (categories), products and their barcodes.

Deletions and the till's snapshot deltas
----------------------------------------
Products are never deleted, they are archived (``active=False``); every write of a product,
including one of its barcodes, bumps ``Product.updated_at``, so a delta that asks for "what
changed since" finds archived products there and sends them with ``active: false``.
Categories may be deleted when empty: that writes a :class:`CatalogTombstone` (kind
``"category"``), which the snapshot reads for its ``deleted.categories`` list. A tombstone of
kind ``"product"`` is reserved for a future hard delete (none exists today).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import StoreOwned
from cabas.rules import barcodes as barcode_rules
from cabas.rules import pricing
from cabas.rules.money import UNIT_KG, UNIT_PIECE
from cabas.rules.pricing import FULL_RATE_BP
from cabas.rules.weights import MAX_NET_WEIGHT_G

RATE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(FULL_RATE_BP)]


class Unit(models.TextChoices):
    PIECE = UNIT_PIECE, _("à la pièce")
    KG = UNIT_KG, _("au kilo")


class Origin(models.TextChoices):
    """Where goods come from, as funders name it (see :data:`cabas.rules.pricing.ORIGINS`)."""

    PURCHASE = pricing.ORIGIN_PURCHASE, _("achat")
    FOOD_BANK = pricing.ORIGIN_FOOD_BANK, _("banque alimentaire")
    EU_AID = pricing.ORIGIN_EU_AID, _("aide européenne")
    PROGRAMME = pricing.ORIGIN_PROGRAMME, _("programme national")
    SUPERMARKET = pricing.ORIGIN_SUPERMARKET, _("ramasse (grandes surfaces)")
    COLLECTION = pricing.ORIGIN_COLLECTION, _("collecte publique")
    DONATION = pricing.ORIGIN_DONATION, _("autre don")


class QualityTag(models.TextChoices):
    """Tags the «Mieux manger pour tous» shares count by (see :attr:`Product.tags`)."""

    FRUIT_VEG = "fruits_legumes", _("fruits et légumes")
    PULSES = "legumineuses", _("légumineuses")
    EGALIM = "egalim", _("produit sous label (EGalim : bio, Label rouge, AOP/IGP…)")


def tags_text(tags: Iterable[str]) -> str:
    """The stored form of a product's tags: ``" egalim legumineuses "`` (sorted, spaced), so
    that ``tags__contains=" egalim "`` finds a tag with a plain LIKE on every database."""
    found = sorted({t.strip() for t in tags if t and t.strip()})
    return f" {' '.join(found)} " if found else ""


class VatRate(models.IntegerChoices):
    """French VAT rates, in basis points."""

    ZERO = 0, _("0 %")
    SUPER_REDUCED = 210, _("2,1 %")
    REDUCED = 550, _("5,5 %")
    INTERMEDIATE = 1000, _("10 %")
    STANDARD = 2000, _("20 %")


class BarcodeKind(models.TextChoices):
    EAN13 = "ean13", _("EAN-13")
    EAN8 = "ean8", _("EAN-8")
    UPCA = "upca", _("UPC-A")
    INTERNAL = "internal", _("code interne")
    SCALE = "scale", _("code balance (poids ou prix)")


def default_scale_layout() -> dict[str, object]:
    return barcode_rules.DEFAULT_SCALE_LAYOUT.to_dict()


class CatalogSettings(StoreOwned):
    """The catalogue settings of one shop (at most one row per shop, created on first need)."""

    scale_layout = models.JSONField(
        _("codes de balance"),
        default=default_scale_layout,
        help_text=_("Préfixes 20 à 29 des étiquettes imprimées par les balances."),
    )
    store_number = models.PositiveSmallIntegerField(
        _("numéro de l'épicerie dans les codes internes"),
        validators=[MaxValueValidator(999)],
        default=0,
    )
    next_internal_sequence = models.PositiveIntegerField(default=1)
    # The largest quantity one line of a reception, donation, loss or count may carry: beyond
    # it the entry is a typo (999 999 999 999 pieces), refused by the stock services.
    max_entry_pieces = models.PositiveIntegerField(
        _("quantité maximale d'une ligne (pièces)"),
        default=10_000,
        validators=[MinValueValidator(1), MaxValueValidator(10_000_000)],
    )
    max_entry_grams = models.PositiveIntegerField(
        _("quantité maximale d'une ligne (produits au kilo, en grammes)"),
        default=2_000_000,
        validators=[MinValueValidator(1_000), MaxValueValidator(1_000_000_000)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("réglages du catalogue")
        verbose_name_plural = _("réglages du catalogue")
        constraints = [
            models.UniqueConstraint(fields=["store"], name="catalog_settings_one_per_store")
        ]

    def __str__(self) -> str:
        return str(_("Réglages du catalogue"))

    def layout(self) -> barcode_rules.ScaleLayout:
        return barcode_rules.parse_scale_layout(self.scale_layout)


class Category(StoreOwned):
    """A rayon (``parent`` null) or a sous-rayon (its ``parent`` is a rayon): two levels."""

    name = models.CharField(_("nom"), max_length=80)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("rayon parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("ordre"), default=0)
    rate_bp = models.PositiveIntegerField(
        _("taux de participation du rayon"),
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
        help_text=_("En points de base (2000 = 20 %). Vide : le taux de l'épicerie."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("rayon")
        verbose_name_plural = _("rayons")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "parent", "name"], name="catalog_category_unique_name"
            ),
        ]

    def __str__(self) -> str:
        if self.parent_id is not None and "parent" in self._state.fields_cache:
            return f"{self.parent.name} › {self.name}"  # type: ignore[union-attr]
        return self.name


class Product(StoreOwned):
    """A product of the shop. Archived (``active=False``), never deleted: tickets, movements and
    the till's snapshot keep referring to it."""

    name = models.CharField(_("nom"), max_length=120)
    brand = models.CharField(_("marque"), max_length=80, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("rayon"), on_delete=models.PROTECT, related_name="products"
    )
    unit = models.CharField(_("unité"), max_length=8, choices=Unit.choices, default=Unit.PIECE)
    price_cents = models.PositiveIntegerField(
        _("prix plein"), help_text=_("Par pièce, ou par kilo pour un produit pesé.")
    )
    cost_cents = models.PositiveIntegerField(_("coût d'achat"), default=0)
    vat_rate_bp = models.PositiveIntegerField(
        _("taux de TVA"), choices=VatRate.choices, default=VatRate.REDUCED
    )
    origin = models.CharField(
        _("provenance"), max_length=16, choices=Origin.choices, default=Origin.PURCHASE
    )
    programme = models.CharField(
        _("programme"),
        max_length=20,
        blank=True,
        help_text=_("Code court du programme d'aide, par exemple FSE+ ou CNES."),
    )
    rate_bp = models.PositiveIntegerField(
        _("taux de participation du produit"),
        null=True,
        blank=True,
        validators=RATE_VALIDATORS,
        help_text=_("En points de base (2000 = 20 %). Vide : le taux du rayon ou de l'épicerie."),
    )
    # Net weight of one piece, in grams (a litre counts as a kilo); NULL while unknown, so that
    # the reports list the product "sans poids" instead of counting it as zero. A "kg"
    # product weighs its quantity: it has none.
    net_weight_g = models.PositiveIntegerField(
        _("poids net d'une pièce (g)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_NET_WEIGHT_G)],
        help_text=_("En grammes (un litre compte pour un kilo). Vide : poids inconnu."),
    )
    # Quality tags (QualityTag values) as tags_text() stores them: " egalim fruits_legumes ".
    tags = models.CharField(_("étiquettes"), max_length=120, blank=True, default="")
    min_stock = models.PositiveIntegerField(_("stock minimum"), null=True, blank=True)
    max_stock = models.PositiveIntegerField(_("stock maximum"), null=True, blank=True)
    active = models.BooleanField(_("actif"), default=True)
    # DENORMALISED current stock (pieces, or grams for "kg" products), derived from the stock
    # ledger. Written ONLY by cabas.gestion.stock services, in the same transaction as the
    # movement that changes it (`cabas check_stock` recomputes it from the ledger). Never set
    # it from the catalogue, a form or an import.
    stock_qty = models.BigIntegerField(_("stock"), default=0)
    # Lower-case, accent-free "name brand", kept by the services: the name search reads it.
    search_text = models.CharField(max_length=210, blank=True, editable=False)
    # Stable key of the generic catalogue entry this product came from (activation is
    # idempotent by it); NULL (not "") for the shop's own products, so that the unique
    # constraint leaves them alone on every database (MariaDB has no partial unique index).
    catalogue_key = models.CharField(  # noqa: DJ001
        max_length=80, null=True, blank=True, editable=False
    )
    # Sequence of the internal code given to this product, if it got one.
    internal_sequence = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The till snapshot's deltas select on it: every catalogue write of a product bumps it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("produit")
        verbose_name_plural = _("produits")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "catalogue_key"], name="catalog_product_unique_catalogue_key"
            ),
            models.UniqueConstraint(
                fields=["store", "internal_sequence"], name="catalog_product_unique_sequence"
            ),
        ]
        indexes = [
            models.Index(fields=["store", "name"], name="catalog_product_store_name"),
            # The product list pages through ids in name order (see selectors.product_page):
            # this index covers that query, with or without a name search, so an OFFSET deep
            # in the list or a LIKE on every name reads the index alone, never a table row.
            models.Index(
                fields=["store", "name", "id", "active", "search_text"],
                name="catalog_product_pages",
            ),
            models.Index(fields=["store", "search_text"], name="catalog_product_store_search"),
            models.Index(fields=["store", "category"], name="catalog_product_store_cat"),
            models.Index(fields=["store", "updated_at"], name="catalog_product_store_upd"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.brand})" if self.brand else self.name

    @property
    def tariff_origin(self) -> str:
        """The origin as the till's tariff names it: "purchase", "donation", "programme:FSE+"."""
        return pricing.tariff_origin(self.origin, self.programme)

    @property
    def is_weighed(self) -> bool:
        return self.unit == Unit.KG

    @property
    def tag_list(self) -> list[str]:
        return self.tags.split()


class Barcode(StoreOwned):
    """A code that finds a product at the till: ``code`` is stored normalised
    (:func:`cabas.rules.barcodes.normalize`), unique in the shop."""

    code = models.CharField(_("code-barres"), max_length=32)
    product = models.ForeignKey(
        Product, verbose_name=_("produit"), on_delete=models.CASCADE, related_name="barcodes"
    )
    kind = models.CharField(_("type"), max_length=10, choices=BarcodeKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("code-barres")
        verbose_name_plural = _("codes-barres")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="catalog_barcode_unique_code")
        ]

    def __str__(self) -> str:
        return self.code


class CatalogTombstone(StoreOwned):
    """Trace of a deleted catalogue row, for the till snapshot's ``deleted`` lists."""

    class Kind(models.TextChoices):
        CATEGORY = "category", _("rayon")
        PRODUCT = "product", _("produit")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["store", "deleted_at"], name="catalog_tombstone_store_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} deleted"
