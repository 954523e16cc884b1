"""The accompaniment of a household: its project (a goal it saves toward on its shopping, the
signed contract, the reviews with their notes, the workshops attended), and the appointments
of the shop (opening slots with a capacity, shopping and interview appointments, no-shows)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabas.gestion.stores.models import Store, StoreOwned

DEFAULT_REMINDER_HOURS = 24


class AccompanimentSettings(models.Model):
    """What the shop decides about projects and appointments (every choice off by default
    where it shows or sends something new)."""

    store = models.OneToOneField(
        Store, on_delete=models.PROTECT, related_name="accompaniment_settings"
    )
    project_at_till = models.BooleanField(
        _("montrer le projet à la caisse"),
        default=False,
        help_text=_(
            "La caisse affiche le projet du foyer (libellé, montant épargné sur l'objectif) "
            "quand sa carte est passée, et l'imprime sur son ticket."
        ),
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("rappel des rendez-vous (heures avant)"),
        default=DEFAULT_REMINDER_HOURS,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 7)],
    )
    email_reminders = models.BooleanField(_("rappels par e-mail"), default=True)
    sms_reminders = models.BooleanField(
        _("rappels par SMS"),
        default=False,
        help_text=_("Demande un fournisseur de SMS configuré sur le serveur (CABAS_SMS_BACKEND)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("réglages de l'accompagnement")
        verbose_name_plural = _("réglages de l'accompagnement")

    def __str__(self) -> str:
        return str(self.store)


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("en cours")
    REACHED = "reached", _("atteint")
    CLOSED = "closed", _("clos")


class Project(StoreOwned):
    """What a household saves toward on its shopping (a debt to pay, a driving licence,
    furniture), agreed in a contract it signs. The savings are never stored: they are the
    household's tickets since `start` (full price − paid, refunds deducted), read by
    :func:`cabas.gestion.accompaniment.selectors.project_savings_cents`."""

    PERSONAL_FIELDS = ("label", "contract_terms")
    """What the anonymisation blanks (the amounts and dates stay, for statistics)."""

    household = models.ForeignKey(
        "beneficiaries.Household",
        on_delete=models.CASCADE,
        related_name="projects",
        verbose_name=_("foyer"),
    )
    label = models.CharField(_("projet"), max_length=150)
    goal_cents = models.PositiveIntegerField(_("objectif"))
    start = models.DateField(_("début"))
    target_date = models.DateField(_("échéance"))
    contract_terms = models.TextField(
        _("engagements"),
        blank=True,
        help_text=_("Ce que le foyer et l'épicerie s'engagent à faire ; imprimé sur le contrat."),
    )
    contract_signed_on = models.DateField(_("contrat signé le"), null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    closed_on = models.DateField(_("clos le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The till snapshot's deltas select on it.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("projet du foyer")
        verbose_name_plural = _("projets des foyers")
        ordering = ["-start", "-pk"]
        indexes = [models.Index(fields=["store", "household", "status"], name="project_household")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target_date__gte=models.F("start")),
                name="project_target_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.label or str(_("projet"))

    @property
    def is_active(self) -> bool:
        return self.status == ProjectStatus.ACTIVE


class ProjectReview(StoreOwned):
    """A review of the project with the household (and often its social worker). Its notes are
    the most sensitive data the shop holds: only managers read them, every reading is in the
    audit journal, and the anonymisation deletes them."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField(_("date"))
    notes = models.TextField(_("notes"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("point d'étape")
        verbose_name_plural = _("points d'étape")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on:%d/%m/%Y}"


class Workshop(StoreOwned):
    """A workshop the shop runs (cooking, budget, health…), on one date."""

    title = models.CharField(_("atelier"), max_length=150)
    held_on = models.DateField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")
        ordering = ["-held_on", "title", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d/%m/%Y})"


class WorkshopAttendance(StoreOwned):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="attendances")
    household = models.ForeignKey(
        "beneficiaries.Household", on_delete=models.CASCADE, related_name="workshop_attendances"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("participation à un atelier")
        verbose_name_plural = _("participations aux ateliers")
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "household"], name="workshop_attendance_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.workshop)


class AppointmentKind(models.TextChoices):
    SHOPPING = "shopping", _("courses")
    INTERVIEW = "interview", _("entretien")


class SlotKind(models.TextChoices):
    SHOPPING = "shopping", _("courses")
    INTERVIEW = "interview", _("entretiens")
    ANY = "any", _("courses et entretiens")


class SlotSeries(StoreOwned):
    """A weekly opening (every Tuesday 14:00–16:00, 6 places) from one date to another: it
    makes one :class:`Slot` per week, which is what appointments book."""

    weekday = models.PositiveSmallIntegerField(
        _("jour"), validators=[MaxValueValidator(6)], help_text=_("0 = lundi, 6 = dimanche.")
    )
    start_time = models.TimeField(_("début"))
    end_time = models.TimeField(_("fin"))
    capacity = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1)])
    kind = models.CharField(_("pour"), max_length=10, choices=SlotKind.choices, default="any")
    first_date = models.DateField(_("à partir du"))
    last_date = models.DateField(_("jusqu'au"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("créneau hebdomadaire")
        verbose_name_plural = _("créneaux hebdomadaires")
        ordering = ["weekday", "start_time", "pk"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def get_weekday_display(self) -> str:
        return str(WEEKDAYS[self.weekday])


WEEKDAYS = (
    _("lundi"),
    _("mardi"),
    _("mercredi"),
    _("jeudi"),
    _("vendredi"),
    _("samedi"),
    _("dimanche"),
)


class Slot(StoreOwned):
    """One opening on one date, with `capacity` places. Booking locks this row: two people
    booking the last place at once cannot both get it."""

    series = models.ForeignKey(
        SlotSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="slots"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("début"))
    end_time = models.TimeField(_("fin"))
    capacity = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1)])
    kind = models.CharField(_("pour"), max_length=10, choices=SlotKind.choices, default="any")
    cancelled = models.BooleanField(_("annulé"), default=False)

    class Meta:
        verbose_name = _("créneau")
        verbose_name_plural = _("créneaux")
        ordering = ["date", "start_time", "pk"]
        indexes = [models.Index(fields=["store", "date"], name="slot_store_date")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="slot_ends_after"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def starts_at(self, timezone_name: str) -> datetime:
        return datetime.combine(self.date, self.start_time, tzinfo=ZoneInfo(timezone_name))

    def accepts(self, kind: str) -> bool:
        return self.kind in (SlotKind.ANY, kind)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("prévu")
    ATTENDED = "attended", _("venu")
    NO_SHOW = "no_show", _("absent")
    CANCELLED = "cancelled", _("annulé")


# Every state but «annulé» holds a place of the slot.
HOLDS_A_PLACE = (AppointmentStatus.BOOKED, AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW)
# The transitions a person may make from each state (the day view's buttons).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    AppointmentStatus.BOOKED: (
        AppointmentStatus.ATTENDED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED,
    ),
    # A mistake on the day is put right: venu ↔ absent.
    AppointmentStatus.ATTENDED: (AppointmentStatus.NO_SHOW, AppointmentStatus.BOOKED),
    AppointmentStatus.NO_SHOW: (AppointmentStatus.ATTENDED, AppointmentStatus.BOOKED),
    AppointmentStatus.CANCELLED: (),
}


class Appointment(StoreOwned):
    """A household's appointment in a slot, for its shopping or for an interview."""

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    household = models.ForeignKey(
        "beneficiaries.Household",
        on_delete=models.CASCADE,
        related_name="appointments",
        verbose_name=_("foyer"),
    )
    kind = models.CharField(_("motif"), max_length=10, choices=AppointmentKind.choices)
    status = models.CharField(
        _("état"),
        max_length=10,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    reminder_claimed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)
    reminded_by = models.CharField(_("rappel par"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("rendez-vous")
        verbose_name_plural = _("rendez-vous")
        ordering = ["slot__date", "slot__start_time", "pk"]
        indexes = [
            models.Index(fields=["slot", "status"], name="appointment_slot_status"),
            models.Index(fields=["store", "household", "status"], name="appointment_household"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.slot}"

    @property
    def day(self) -> date:
        return self.slot.date

    @property
    def at(self) -> time:
        return self.slot.start_time
