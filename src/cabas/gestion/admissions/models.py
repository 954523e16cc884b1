"""Admissions: the referrals (fiches de liaison) social workers send, the links the shop gives
its partner services to send them, and the admission committee's sessions and decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import Store, StoreOwned

DEFAULT_RIGHTS_MONTHS = 3
DEFAULT_RENEWALS_ALLOWED = 1
DEFAULT_WAITING_MONTHS = 6


class AdmissionSettings(models.Model):
    """The shop's rules of admission: the usual duration, the renewals in a row, the waiting
    period after them (enforced when rights are renewed), and its own questions."""

    store = models.OneToOneField(Store, on_delete=models.PROTECT, related_name="+")
    default_months = models.PositiveSmallIntegerField(
        _("durée habituelle des droits (mois)"), default=DEFAULT_RIGHTS_MONTHS
    )
    renewals_allowed = models.PositiveSmallIntegerField(
        _("renouvellements à la suite"), default=DEFAULT_RENEWALS_ALLOWED
    )
    waiting_months = models.PositiveSmallIntegerField(
        _("délai de carence (mois)"),
        default=DEFAULT_WAITING_MONTHS,
        help_text=_(
            "Après les renouvellements, le foyer attend ce délai avant de nouveaux droits."
        ),
    )
    questions = models.JSONField(_("questions de l'épicerie"), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("réglages des admissions")
        verbose_name_plural = _("réglages des admissions")

    def __str__(self) -> str:
        return str(self.store)


class PartnerLink(StoreOwned):
    """The referral form's link given to one partner service (CCAS, département,
    association): valid until ``expires_on`` (the shop's date, included) unless revoked."""

    service = models.CharField(_("service partenaire"), max_length=150)
    contact_email = models.EmailField(_("e-mail du service"), blank=True)
    nonce = models.CharField(max_length=32, unique=True)
    expires_on = models.DateField(_("valable jusqu'au"))
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lien d'orientation")
        verbose_name_plural = _("liens d'orientation")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.service


class Referral(StoreOwned):
    """A referral: the household, its resources, the reason and the goal, as the social
    worker wrote them (through a partner's link, or typed by the team from a paper form)."""

    PERSONAL_FIELDS = (
        "last_name",
        "first_name",
        "birth_date",
        "phone",
        "email",
        "address",
        "postal_code",
        "commune",
        "income_cents",
        "charges_cents",
        "reason",
        "goal",
        "answers",
        "referrer_name",
        "referrer_email",
        "referrer_phone",
    )
    """What identifies the household or its social worker: exported, and blanked by the
    household's anonymisation (the reference, the service and the counts stay)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("à examiner")
        POSTPONED = "postponed", _("ajournée")
        ADMITTED = "admitted", _("admise")
        REFUSED = "refused", _("refusée")

    class Source(models.TextChoices):
        LINK = "link", _("lien partenaire")
        PAPER = "paper", _("fiche papier")

    reference = models.CharField(_("référence"), max_length=16)
    source = models.CharField(_("origine"), max_length=8, choices=Source.choices)
    link = models.ForeignKey(
        PartnerLink,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("lien"),
    )
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # The referrer.
    service = models.CharField(_("service orienteur"), max_length=150)
    referrer_name = models.CharField(_("travailleur social"), max_length=150)
    referrer_email = models.EmailField(_("e-mail du travailleur social"), blank=True)
    referrer_phone = models.CharField(
        _("téléphone du travailleur social"), max_length=30, blank=True
    )
    # The household.
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    adults = models.PositiveSmallIntegerField(_("adultes"), default=1)
    children = models.PositiveSmallIntegerField(_("enfants"), default=0)
    income_cents = models.PositiveIntegerField(_("ressources mensuelles"))
    charges_cents = models.PositiveIntegerField(_("charges mensuelles"))
    reason = models.TextField(_("motif de l'orientation"))
    goal = models.TextField(_("objectif"), blank=True)
    answers = models.JSONField(_("réponses aux questions de l'épicerie"), default=list, blank=True)
    # What the committee made of it.
    household = models.ForeignKey(
        "beneficiaries.Household",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("foyer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    anonymised_at = models.DateTimeField(_("anonymisée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "reference"], name="referral_reference_unique"
            ),
        ]
        indexes = [models.Index(fields=["store", "status"], name="referral_store_status")]

    def __str__(self) -> str:
        # The audit trail shows this: the reference, never a name.
        return self.reference

    @property
    def size(self) -> int:
        return self.adults + self.children


class CommitteeSession(StoreOwned):
    """A sitting of the admission committee: the referrals it examines (its decisions)."""

    held_on = models.DateField(_("date de la commission"))
    members = models.CharField(_("membres présents"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("commission d'admission")
        verbose_name_plural = _("commissions d'admission")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on:%d/%m/%Y}"


class Decision(StoreOwned):
    """One referral on a session's agenda, and what the committee decided (empty outcome:
    not decided yet)."""

    class Outcome(models.TextChoices):
        ADMITTED = "admitted", _("admis")
        REFUSED = "refused", _("refusé")
        POSTPONED = "postponed", _("ajourné")

    session = models.ForeignKey(
        CommitteeSession, on_delete=models.CASCADE, related_name="decisions"
    )
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(_("décision"), max_length=10, choices=Outcome.choices, blank=True)
    months = models.PositiveSmallIntegerField(_("durée (mois)"), null=True, blank=True)
    budget_cents = models.PositiveIntegerField(_("budget mensuel"), null=True, blank=True)
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("décision de la commission")
        verbose_name_plural = _("décisions de la commission")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "referral"], name="decision_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.outcome}"
