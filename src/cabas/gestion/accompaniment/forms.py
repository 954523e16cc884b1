"""Forms of the accompaniment's pages (amounts in euros, dates bounded, French messages)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cabas.gestion.accompaniment.models import (
    WEEKDAYS,
    AccompanimentSettings,
    AppointmentKind,
    AppointmentStatus,
    SlotKind,
    Workshop,
)
from cabas.gestion.beneficiaries.forms import DATE_WIDGET, EurosField
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.beneficiaries.selectors import household_for_code
from cabas.gestion.core.forms import BoundedDateField
from cabas.gestion.stores.models import Store

TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ProjectForm(forms.Form):
    label = forms.CharField(
        label=_("Projet"),
        max_length=150,
        help_text=_("Par exemple : permis de conduire, rembourser une dette, meubles."),
    )
    goal_cents = EurosField(label=_("Objectif (€)"), min_euros=None)
    start = BoundedDateField(label=_("Début"), widget=DATE_WIDGET)
    target_date = BoundedDateField(label=_("Échéance"), widget=DATE_WIDGET)
    contract_terms = forms.CharField(
        label=_("Engagements (imprimés sur le contrat)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SignForm(forms.Form):
    signed_on = BoundedDateField(label=_("Contrat signé le"), widget=DATE_WIDGET)


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Clôture"),
        choices=[("reached", _("objectif atteint")), ("closed", _("clos sans l'atteindre"))],
    )


class ReviewForm(forms.Form):
    held_on = BoundedDateField(label=_("Date du point d'étape"), widget=DATE_WIDGET)
    notes = forms.CharField(
        label=_("Notes"), max_length=8000, widget=forms.Textarea(attrs={"rows": 4})
    )


class WorkshopForm(forms.Form):
    title = forms.CharField(label=_("Atelier"), max_length=150)
    held_on = BoundedDateField(label=_("Date"), widget=DATE_WIDGET)


class AttendanceForm(forms.Form):
    workshop = forms.ModelChoiceField(
        label=_("Atelier"), queryset=Workshop.objects.none(), empty_label=_("Choisir un atelier")
    )

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["workshop"]
        assert isinstance(field, forms.ModelChoiceField)
        # The workshops of the past year and those to come (a queryset the field can filter:
        # no slice).
        field.queryset = Workshop.objects.filter(
            store=store, held_on__gte=store.today() - timedelta(days=366)
        ).order_by("-held_on", "title")


class SeriesForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label=_("Jour"), coerce=int, choices=[(i, day) for i, day in enumerate(WEEKDAYS)]
    )
    start_time = forms.TimeField(label=_("De"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("À"), widget=TIME_WIDGET)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500)
    kind = forms.ChoiceField(label=_("Pour"), choices=SlotKind.choices)
    first_date = BoundedDateField(label=_("À partir du"), widget=DATE_WIDGET)
    last_date = BoundedDateField(label=_("Jusqu'au"), widget=DATE_WIDGET)


class SlotForm(forms.Form):
    day = BoundedDateField(label=_("Date"), widget=DATE_WIDGET)
    start_time = forms.TimeField(label=_("De"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("À"), widget=TIME_WIDGET)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=500)
    kind = forms.ChoiceField(label=_("Pour"), choices=SlotKind.choices)


class BookForm(forms.Form):
    """Book a household into a slot of the day view (the slot is in the URL) by its card: the
    code scanned or typed as printed, as at the till."""

    card = forms.CharField(label=_("Carte du foyer"), max_length=40)
    kind = forms.ChoiceField(label=_("Motif"), choices=AppointmentKind.choices)

    def __init__(self, *args: Any, store: Store, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store

    def clean_card(self) -> Household:
        household = household_for_code(self.store, self.cleaned_data["card"])
        if household is None:
            raise forms.ValidationError(_("Carte inconnue dans cette épicerie."))
        return household


class BookForHouseholdForm(forms.Form):
    """Book the household of the page into one of the coming slots with a free place."""

    slot = forms.TypedChoiceField(label=_("Créneau"), coerce=int)
    kind = forms.ChoiceField(label=_("Motif"), choices=AppointmentKind.choices)

    def __init__(self, *args: Any, slots: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["slot"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [
            (
                slot.pk,
                f"{slot.date:%d/%m/%Y} {slot.start_time:%H:%M}–{slot.end_time:%H:%M} · "
                f"{slot.get_kind_display()} · {slot.capacity - slot.booked} / {slot.capacity}",
            )
            for slot in slots
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=AppointmentStatus.choices)


class AccompanimentSettingsForm(forms.ModelForm):
    class Meta:
        model = AccompanimentSettings
        fields = ["project_at_till", "reminder_hours", "email_reminders", "sms_reminders"]
