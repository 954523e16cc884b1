"""A shop (épicerie), and who belongs to it with which role."""

from __future__ import annotations

import zoneinfo
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.logos import validate_logo
from cabas.gestion.stores.permissions import Role, role_has

# What a manager edits in the settings page, in the page's order: the form's fields, and the
# ones the settings service copies and traces (the logo, an upload, it saves and traces apart).
STORE_SETTINGS_FIELDS = (
    "name",
    "address",
    "postal_code",
    "city",
    "phone",
    "email",
    "timezone",
    "logo",
    "require_2fa",
    "cash_session_required",
)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Fuseau horaire inconnu : %(tz)s"), params={"tz": value})


class Store(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=50, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("commune"), max_length=100, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    timezone = models.CharField(
        _("fuseau horaire"), max_length=64, default="Europe/Paris", validators=[validate_timezone]
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True, validators=[validate_logo])
    require_2fa = models.BooleanField(
        _("double authentification obligatoire"),
        default=False,
        help_text=_("Chaque personne de l'épicerie devra saisir un code à usage unique."),
    )
    cash_session_required = models.BooleanField(
        _("session de caisse obligatoire"),
        default=True,
        help_text=_(
            "Les caisses refusent de vendre tant que la caisse n'est pas ouverte (fond de "
            "caisse) : chaque vente figure ainsi dans un rapport Z. Décochez seulement si "
            "l'épicerie ne compte pas sa caisse."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("épicerie")
        verbose_name_plural = _("épiceries")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The shop's time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    def today(self) -> date:
        """Today's date in the shop's time zone: rights, lots' dates, counts and reports are
        about the shop's days, not the server's."""
        return django_timezone.localdate(timezone=self.zone)


class Membership(models.Model):
    """A person's role in one shop. Never deleted: deactivated, so history stays attributed."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="membership_unique_per_store")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def has_perm(self, perm: str) -> bool:
        return self.is_active and role_has(self.role, perm)


class StoreOwned(models.Model):
    """Base of every row of shop data: it belongs to exactly one shop."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class StoreLedIndexes(StoreOwned):
    """:class:`StoreOwned` for a model whose ``Meta.indexes`` lead with ``store``: they serve
    every look-up by shop (and the checks before a shop is deleted), so the column gets no
    index of its own, one index fewer to write per row of the busiest tables."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        abstract = True
