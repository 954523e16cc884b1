"""Supermarket collections (*ramasses*): the donor shops, the families goods are weighed by,
the collection rounds and their lines (weight, dates, temperature on arrival, what was
refused and why, the value), from which the yearly donation certificates are made.

A round is entered as a draft (on a phone, at the donor's back door); validating it puts its
accepted lines in stock as donated lots of origin ``supermarket`` (ramasse).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import StoreOwned

# A temperature is stored in tenths of a degree Celsius: 35 is 3.5 °C.
TENTHS = 10


class Valuation(models.TextChoices):
    """How a donor's gifts are valued on its certificate."""

    DECLARED = "declared", _("valeur déclarée par le donateur")
    PER_KG = "per_kg", _("barème au kilo, par famille")


class DonorShop(StoreOwned):
    """A shop (a supermarket, a bakery…) whose unsold goods the association collects."""

    name = models.CharField(_("nom"), max_length=120)
    siren = models.CharField(_("SIREN"), max_length=9)
    address = models.CharField(_("adresse"), max_length=200)
    postal_code = models.CharField(_("code postal"), max_length=10)
    city = models.CharField(_("commune"), max_length=100)
    contact_name = models.CharField(_("contact"), max_length=120, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    valuation = models.CharField(
        _("valorisation des dons"),
        max_length=16,
        choices=Valuation.choices,
        default=Valuation.PER_KG,
    )
    active = models.BooleanField(_("actif"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("magasin donateur")
        verbose_name_plural = _("magasins donateurs")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="pickups_donor_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PickupCategory(StoreOwned):
    """A family of collected goods (fruits and vegetables, chilled, frozen, bakery…): what a
    crate is weighed by, what the certificate counts, and what a kilo of it is worth."""

    name = models.CharField(_("nom"), max_length=80)
    chilled = models.BooleanField(
        _("produits réfrigérés ou surgelés"),
        default=False,
        help_text=_("La température à l'arrivée est alors demandée."),
    )
    max_temperature_tenths = models.SmallIntegerField(
        _("température maximale à l'arrivée (dixièmes de °C)"), null=True, blank=True
    )
    value_per_kg_cents = models.PositiveIntegerField(_("valeur au kilo"), default=0)
    bulk_product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("produit en stock pour une pesée sans produit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Un produit vendu au kilo (par exemple « Fruits et légumes de ramasse ») : une "
            "caisse pesée sans préciser le produit entre en stock sous ce produit."
        ),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("famille de ramasse")
        verbose_name_plural = _("familles de ramasse")
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "name"], name="pickups_category_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def max_temperature_display(self) -> str:
        if self.max_temperature_tenths is None:
            return ""
        return "≤ " + f"{self.max_temperature_tenths / TENTHS:g}".replace(".", ",") + " °C"


class DonorRate(StoreOwned):
    """A donor's own value per kilo of a family (its stores' figures), in place of the
    family's."""

    donor = models.ForeignKey(DonorShop, on_delete=models.CASCADE, related_name="rates")
    category = models.ForeignKey(PickupCategory, on_delete=models.CASCADE, related_name="+")
    value_per_kg_cents = models.PositiveIntegerField(_("valeur au kilo"))

    class Meta:
        verbose_name = _("barème du donateur")
        verbose_name_plural = _("barèmes des donateurs")
        constraints = [
            models.UniqueConstraint(fields=["donor", "category"], name="pickups_rate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.donor_id}/{self.category_id}: {self.value_per_kg_cents}"


class CollectionState(models.TextChoices):
    """:data:`COLLECTION_TRANSITIONS` lists the allowed moves."""

    DRAFT = "draft", _("en saisie")
    VALIDATED = "validated", _("validée, en stock")
    CANCELLED = "cancelled", _("annulée")


COLLECTION_TRANSITIONS: dict[str, frozenset[str]] = {
    CollectionState.DRAFT: frozenset({CollectionState.VALIDATED, CollectionState.CANCELLED}),
    CollectionState.VALIDATED: frozenset(),
    CollectionState.CANCELLED: frozenset(),
}


class Collection(StoreOwned):
    """One collection round at one donor."""

    donor = models.ForeignKey(
        DonorShop, verbose_name=_("donateur"), on_delete=models.PROTECT, related_name="collections"
    )
    collected_at = models.DateTimeField(_("ramassée le"))
    state = models.CharField(
        _("état"), max_length=16, choices=CollectionState.choices, default=CollectionState.DRAFT
    )
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    note = models.CharField(_("remarque"), max_length=300, blank=True)
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ramasse")
        verbose_name_plural = _("ramasses")
        ordering = ["-collected_at", "-id"]
        indexes = [
            models.Index(fields=["store", "-collected_at"], name="pickups_collection_recent"),
            models.Index(
                fields=["store", "donor", "collected_at"], name="pickups_collection_donor"
            ),
        ]

    def __str__(self) -> str:
        return f"Ramasse {self.pk}"

    def can_become(self, state: str) -> bool:
        return state in COLLECTION_TRANSITIONS[self.state]

    @property
    def is_draft(self) -> bool:
        return self.state == CollectionState.DRAFT


class RefusalReason(models.TextChoices):
    DLC_PASSED = "dlc_passed", _("DLC dépassée ou trop proche")
    COLD_CHAIN = "cold_chain", _("chaîne du froid rompue")
    DAMAGED = "damaged", _("emballage abîmé")
    SPOILED = "spoiled", _("produit altéré (moisi, écrasé)")
    NOT_ACCEPTED = "not_accepted", _("produit non accepté (alcool, non alimentaire…)")
    OTHER = "other", _("autre")


class CollectionLine(StoreOwned):
    """A crate or a product of a round: what was accepted (``weight_grams``, and for a product
    its ``quantity``: pieces, or grams for a weighed product) and what was refused.

    ``value_cents`` is the value of what was accepted, by the donor's rule when the line was
    entered (``valuation``); the certificate and the register add these same values."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="lines")
    category = models.ForeignKey(
        PickupCategory, verbose_name=_("famille"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product",
        verbose_name=_("produit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    quantity = models.BigIntegerField(_("quantité acceptée"), null=True, blank=True)
    weight_grams = models.BigIntegerField(_("poids accepté"))
    refused_grams = models.BigIntegerField(_("poids refusé"), default=0)
    refused_reason = models.CharField(
        _("motif du refus"), max_length=16, choices=RefusalReason.choices, blank=True
    )
    refused_note = models.CharField(_("précision sur le refus"), max_length=200, blank=True)
    dlc = models.DateField(_("DLC"), null=True, blank=True)
    ddm = models.DateField(_("DDM"), null=True, blank=True)
    temperature_tenths = models.SmallIntegerField(
        _("température à l'arrivée"), null=True, blank=True
    )
    valuation = models.CharField(_("valorisation"), max_length=16, choices=Valuation.choices)
    declared_value_cents = models.BigIntegerField(_("valeur déclarée"), null=True, blank=True)
    value_cents = models.BigIntegerField(_("valeur"), default=0)
    lot = models.ForeignKey(
        "stock.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ligne de ramasse")
        verbose_name_plural = _("lignes de ramasse")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_grams__gte=0) & models.Q(refused_grams__gte=0),
                name="pickups_line_weights_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(dlc__isnull=True) | models.Q(ddm__isnull=True),
                name="pickups_line_one_date_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}: {self.category_id} {self.weight_grams} g"

    @property
    def temperature_display(self) -> str:
        if self.temperature_tenths is None:
            return ""
        return f"{self.temperature_tenths / TENTHS:.1f}".replace(".", ",") + " °C"
