"""Households (foyers) referred to the shop, their rights, monthly budget and spending, and the
privacy records that go with such personal data."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import Store, StoreOwned
from cabas.rules.budget import (
    DEFAULT_BUDGET_SCALE,
    BudgetScale,
    RightsStatus,
    reste_a_vivre_cents_per_day,
    rights_status,
)
from cabas.rules.pricing import FULL_RATE_BP
from cabas.rules.quotas import Quota as QuotaRule
from cabas.rules.quotas import QuotaScope

DEFAULT_ANONYMISATION_MONTHS = 24
DEFAULT_PRIVACY_NOTICE = _(
    "Les informations recueillies sur ce foyer sont enregistrées par l'épicerie pour gérer son "
    "accès à l'épicerie (droits, budget mensuel, tarif) et tenir des statistiques anonymes. "
    "Elles sont conservées pendant la durée des droits puis, au plus tard {months} mois après "
    "leur fin, rendues anonymes. Seule l'équipe responsable de l'épicerie voit le dossier "
    "complet ; les hôtes de caisse ne voient que le nom court, l'état des droits et le budget "
    "restant. Vous pouvez demander à consulter, corriger ou effacer ces informations auprès de "
    "la ou du responsable de l'épicerie."
)


def default_budget_scale() -> dict[str, object]:
    return DEFAULT_BUDGET_SCALE.to_dict()


def rate_validators() -> list[MaxValueValidator]:
    return [MaxValueValidator(FULL_RATE_BP)]


class BeneficiarySettings(models.Model):
    """What the shop decides about its beneficiaries: scale, rates, thresholds, privacy."""

    store = models.OneToOneField(
        Store, on_delete=models.PROTECT, related_name="beneficiary_settings"
    )
    budget_scale = models.JSONField(_("barème des budgets"), default=default_budget_scale)
    shop_rate_bp = models.PositiveSmallIntegerField(
        _("taux de participation de l'épicerie"),
        default=2000,
        validators=rate_validators(),
        help_text=_("En points de base : 2000 = 20 % du prix."),
    )
    origin_ceilings_bp = models.JSONField(
        _("plafonds par provenance"),
        default=dict,
        blank=True,
        help_text=_("Provenance → taux maximal en points de base (0 = gratuit)."),
    )
    reste_a_vivre_threshold_cents = models.PositiveIntegerField(
        _("seuil de reste à vivre (par personne et par jour)"),
        default=1000,
    )
    anonymisation_months = models.PositiveSmallIntegerField(
        _("délai d'anonymisation (mois après la fin des droits)"),
        default=DEFAULT_ANONYMISATION_MONTHS,
    )
    privacy_notice = models.TextField(_("notice d'information RGPD"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("réglages des bénéficiaires")
        verbose_name_plural = _("réglages des bénéficiaires")

    def __str__(self) -> str:
        return str(self.store)

    @property
    def scale(self) -> BudgetScale:
        return BudgetScale.from_dict(self.budget_scale)

    @property
    def notice_text(self) -> str:
        return self.privacy_notice or str(DEFAULT_PRIVACY_NOTICE).format(
            months=self.anonymisation_months
        )


class Household(StoreOwned):
    """A household referred to the shop. `code` is what its client card encodes; `label` is all
    the till and the cashiers see of its name."""

    PERSONAL_FIELDS = (
        "last_name",
        "first_name",
        "birth_date",
        "phone",
        "email",
        "address",
        "postal_code",
        "commune",
        "referrer_service",
        "referrer_name",
        "referrer_contact",
        "income_cents",
        "charges_cents",
        "notes",
    )
    """The one list of the household's personal fields: the file's form, the access-request
    export and the anonymisation all derive from it, and the audit trail records only that
    they changed, never their values."""
    KEPT_FOR_STATISTICS = ("commune", "referrer_service")
    """Personal fields the anonymisation keeps (statistics); it blanks the others."""
    FILE_FIELDS = ("adults", "children", "rate_bp")
    """The other fields of the file's form (audited with their values)."""

    code = models.CharField(_("code de la carte"), max_length=16)
    label = models.CharField(_("nom court"), max_length=40)
    # The reference person.
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    commune = models.CharField(_("commune"), max_length=100, blank=True, db_index=True)
    # Composition: kept as counts (what budgets, quotas and statistics need); the members'
    # details, when recorded, are HouseholdMember rows and the counts follow them.
    adults = models.PositiveSmallIntegerField(_("adultes"), default=1)
    children = models.PositiveSmallIntegerField(_("enfants"), default=0)
    # Who referred them.
    referrer_service = models.CharField(_("service orienteur"), max_length=150, blank=True)
    referrer_name = models.CharField(_("travailleur social"), max_length=150, blank=True)
    referrer_contact = models.CharField(
        _("contact du travailleur social"), max_length=150, blank=True
    )
    # Resources, per month.
    income_cents = models.PositiveIntegerField(_("ressources mensuelles"), null=True, blank=True)
    charges_cents = models.PositiveIntegerField(_("charges mensuelles"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Budget and tariff.
    monthly_budget_cents = models.PositiveIntegerField(_("budget mensuel"))
    rate_bp = models.PositiveSmallIntegerField(
        _("taux du foyer"),
        null=True,
        blank=True,
        validators=rate_validators(),
        help_text=_("Laisser vide pour appliquer les taux de l'épicerie."),
    )
    # The rights in force or last in force, copied from the RightsPeriod rows by the services
    # so that lists can filter on them; the status itself is always derived from the dates.
    rights_start = models.DateField(_("début des droits"), null=True, blank=True)
    rights_end = models.DateField(_("fin des droits"), null=True, blank=True, db_index=True)
    rights_suspended = models.BooleanField(_("droits suspendus"), default=False)
    # Privacy.
    privacy_accepted_at = models.DateTimeField(_("notice acceptée le"), null=True, blank=True)
    privacy_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acceptation recueillie par"),
    )
    anonymised_at = models.DateTimeField(_("anonymisé le"), null=True, blank=True)
    card_issued_at = models.DateTimeField(_("carte émise le"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The till snapshot's deltas select on it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("foyer")
        verbose_name_plural = _("foyers")
        ordering = ["label", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="household_code_unique"),
        ]
        indexes = [models.Index(fields=["store", "label"], name="household_store_label")]

    def __str__(self) -> str:
        return self.label

    @classmethod
    def anonymised_fields(cls) -> tuple[str, ...]:
        """The personal fields the anonymisation blanks."""
        return tuple(f for f in cls.PERSONAL_FIELDS if f not in cls.KEPT_FOR_STATISTICS)

    @property
    def size(self) -> int:
        return self.adults + self.children

    def status_on(self, today: date) -> RightsStatus | None:
        """The rights' status on `today` (the shop's date); None before any admission."""
        if self.rights_start is None or self.rights_end is None:
            return None
        return rights_status(self.rights_start, self.rights_end, self.rights_suspended, today)

    @property
    def reste_a_vivre_cents(self) -> int | None:
        """Reste à vivre per person per day; None while income or charges are unknown."""
        if self.income_cents is None or self.charges_cents is None:
            return None
        return reste_a_vivre_cents_per_day(self.income_cents, self.charges_cents, self.size)


class HouseholdMember(StoreOwned):
    PERSONAL_FIELDS = ("first_name", "birth_date", "is_adult")
    """A member's personal fields: the members' form, the export (the anonymisation deletes
    the rows)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    first_name = models.CharField(_("prénom"), max_length=100)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    is_adult = models.BooleanField(_("adulte"), default=True)

    class Meta:
        verbose_name = _("membre du foyer")
        verbose_name_plural = _("membres du foyer")
        ordering = ["-is_adult", "birth_date", "pk"]

    def __str__(self) -> str:
        return self.first_name

    def age_on(self, today: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class RightsPeriod(StoreOwned):
    """One admission (or renewal): rights from `start` to `end`, both included."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="periods")
    start = models.DateField(_("début"))
    end = models.DateField(_("fin"))
    suspended_at = models.DateField(_("suspendu le"), null=True, blank=True)
    resumed_at = models.DateField(_("repris le"), null=True, blank=True)
    suspension_reason = models.CharField(_("motif de la suspension"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("période de droits")
        verbose_name_plural = _("périodes de droits")
        ordering = ["-start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="rights_period_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start:%d/%m/%Y} → {self.end:%d/%m/%Y}"

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None and self.resumed_at is None

    def status_on(self, today: date) -> RightsStatus:
        return rights_status(self.start, self.end, self.is_suspended, today)


class MonthlySpending(StoreOwned):
    """What a household's acknowledged tickets spent in one month (the shop's time zone)."""

    # The unique (household, month) below serves the look-ups by household: no index of its own.
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="spendings", db_index=False
    )
    month = models.CharField(_("mois"), max_length=7)
    spent_cents = models.IntegerField(_("dépensé"), default=0)
    # The till snapshot's deltas select on it as well as on Household.updated_at.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("dépenses du mois")
        verbose_name_plural = _("dépenses par mois")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["household", "month"], name="spending_unique_month"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.month}"


class RetiredCode(StoreOwned):
    """A card code that was replaced: never given again, and recognised as an old card."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=16)
    retired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "code"], name="retired_code_unique"),
        ]


class HouseholdAccessLog(StoreOwned):
    """Who opened a household's full file, and when (RGPD accountability)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, default="view")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]


class Quota(StoreOwned):
    """At most so much of a product or a category per household per month, scaled by size
    (the rule is :class:`cabas.rules.quotas.Quota`)."""

    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("produit"),
    )
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rayon"),
    )
    label = models.CharField(_("libellé"), max_length=80)
    unit = models.CharField(
        _("unité"),
        max_length=8,
        choices=[("piece", _("pièces")), ("kg", _("grammes"))],
        default="piece",
    )
    base_quantity = models.PositiveIntegerField(_("quantité pour une personne"))
    per_extra_person = models.PositiveIntegerField(_("en plus par personne"), default=0)
    limits_by_size = models.JSONField(
        _("limites par taille de foyer"),
        default=dict,
        blank=True,
        help_text=_('Taille du foyer → limite, par exemple {"3": 4}.'),
    )
    active = models.BooleanField(_("actif"), default=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["label", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(product__isnull=False, category__isnull=True)
                    | models.Q(product__isnull=True, category__isnull=False)
                ),
                name="quota_one_target",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def as_rule(self) -> QuotaRule:
        scope: QuotaScope = "product" if self.product_id is not None else "category"
        target = self.product_id if self.product_id is not None else self.category_id
        return QuotaRule(
            scope=scope,
            target_id=str(target),
            label=self.label,
            base_quantity=self.base_quantity,
            per_extra_person=self.per_extra_person,
            unit=self.unit,  # type: ignore[arg-type]
            limits_by_size={int(k): v for k, v in self.limits_by_size.items()},
        )


class FunderAnswers(StoreOwned):
    """The household's optional answers to the categories EU aid (FSE+) counts the people it
    helps by: women, people with a disability, migrants or people of foreign background,
    homeless people. Recorded only with the household's **explicit consent** (``consent``);
    without it, or without an answer, the reports count these people as « non renseigné ».
    (Ages need no answer: they come from the members' birth dates.)"""

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, related_name="funder_answers"
    )
    consent = models.BooleanField(_("le foyer accepte de répondre"), default=False)
    consent_at = models.DateTimeField(_("consentement recueilli le"), null=True, blank=True)
    consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consentement recueilli par"),
    )
    women = models.PositiveSmallIntegerField(_("femmes"), null=True, blank=True)
    disabled = models.PositiveSmallIntegerField(
        _("personnes en situation de handicap"), null=True, blank=True
    )
    migrants = models.PositiveSmallIntegerField(
        _("personnes migrantes ou d'origine étrangère"), null=True, blank=True
    )
    homeless = models.BooleanField(_("foyer sans domicile"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    ANSWER_FIELDS = ("women", "disabled", "migrants", "homeless")

    class Meta:
        verbose_name = _("réponses aux catégories des financeurs")
        verbose_name_plural = _("réponses aux catégories des financeurs")

    def __str__(self) -> str:
        return f"{self.household_id}: {'oui' if self.consent else 'non'}"
