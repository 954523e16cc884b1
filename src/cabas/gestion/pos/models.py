"""The shop's tills: enrolment codes, enrolled devices and their tokens, cashier PINs and the
cash sessions the tills report.

Secrets (enrolment codes, device tokens, PINs) are stored only as hashes: a database dump does
not let anyone sell as a till or sign in at one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import StoreOwned


class EnrollmentCode(StoreOwned):
    """A single-use code, valid 24 h, with which one till joins the shop. Only its HMAC with the
    server's key is kept (`services.code_digest`; the code has 60 random bits and lives a day: a
    slow hash would add nothing, a keyed one keeps a stolen database from testing codes)."""

    code_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("début du code"), max_length=8, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"))
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)
    device = models.OneToOneField(
        "pos.Device", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("code d'enrôlement")
        verbose_name_plural = _("codes d'enrôlement")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "-created_at"], name="pos_code_store_recent")]

    def __str__(self) -> str:
        return f"{self.hint}…"

    @property
    def is_expired(self) -> bool:
        return self.used_at is None and self.expires_at <= timezone.now()


class Device(StoreOwned):
    """An enrolled till. Its bearer token is kept as a SHA-256 (256 random bits); revoking it
    refuses the token at the next request."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nom"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("enrôlée le"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_seen_at = models.DateTimeField(_("dernier contact"), null=True, blank=True)
    last_version = models.CharField(_("version"), max_length=64, blank=True)
    pending_count = models.PositiveIntegerField(_("tickets en attente"), null=True, blank=True)

    class Meta:
        verbose_name = _("caisse")
        verbose_name_plural = _("caisses")
        ordering = ["name", "created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CashierProfile(StoreOwned):
    """What a till needs to know about a member who sells: the hash of their PIN
    (`cabas.rules.pins.hash_pin`, checked offline by the till). The snapshot's cashier id is
    the membership's id."""

    membership = models.OneToOneField(
        "stores.Membership", on_delete=models.PROTECT, related_name="cashier_profile"
    )
    pin_hash = models.CharField(max_length=200, blank=True)
    pin_set_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("profil de caisse")
        verbose_name_plural = _("profils de caisse")

    def __str__(self) -> str:
        return f"cashier profile of membership {self.membership_id}"


class CashSession(StoreOwned):
    """A cash session as a till reported it (`POST cash-sessions`), idempotent by its id: the
    primary key is the till's UUID, so the database refuses a second insert."""

    class State(models.TextChoices):
        OPEN = "open", _("ouverte")
        CLOSED = "closed", _("close")

    # The only transition: OPEN -> CLOSED (see cabas.protocol.cash_session_outcome).
    TRANSITIONS: dict[str, frozenset[str]] = {State.OPEN: frozenset({State.CLOSED})}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="cash_sessions")
    state = models.CharField(_("état"), max_length=10, choices=State.choices)
    opened_at = models.DateTimeField(_("ouverte le"))
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    cashier = models.ForeignKey(
        "stores.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closing_cashier = models.ForeignKey(
        "stores.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opening_float_cents = models.BigIntegerField(_("fond de caisse"))
    counted = models.JSONField(_("compté"), default=dict)
    expected = models.JSONField(_("attendu"), default=dict)
    difference_cents = models.BigIntegerField(_("écart"), default=0)
    ticket_count = models.PositiveIntegerField(_("tickets"), default=0)
    note = models.TextField(_("note"), blank=True)
    # The canonical report as received (what `cash_session_outcome` compares) and its SHA-256.
    report = models.JSONField()
    fingerprint = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("session de caisse")
        verbose_name_plural = _("sessions de caisse")
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["store", "-opened_at"], name="pos_session_store_recent")]

    def __str__(self) -> str:
        return f"{self.device} {self.opened_at:%Y-%m-%d %H:%M}"

    @property
    def counted_total_cents(self) -> int:
        return sum(self.counted.values())

    @property
    def expected_total_cents(self) -> int:
        return sum(self.expected.values())
