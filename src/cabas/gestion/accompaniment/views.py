"""Pages of the accompaniment: a household's project and its notes (managers; every opening
of the notes journalled), the workshops, the opening slots, and the day's appointments for the
whole team (labels, reasons and no-shows only: no notes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.accompaniment import selectors, services
from cabas.gestion.accompaniment.forms import (
    AccompanimentSettingsForm,
    AttendanceForm,
    BookForHouseholdForm,
    BookForm,
    CloseForm,
    ProjectForm,
    ReviewForm,
    SeriesForm,
    SignForm,
    SlotForm,
    StatusForm,
    WorkshopForm,
)
from cabas.gestion.accompaniment.models import Appointment, Project, Slot, SlotSeries, Workshop
from cabas.gestion.accompaniment.pdf import project_contract_pdf
from cabas.gestion.beneficiaries.models import Household
from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm

SECTION = {"section": "beneficiaries"}
DAY_SECTION = {"section": "appointments"}


def _household(request: StoreRequest, pk: int) -> Household:
    return get_object_or_404(Household, store=request.store, pk=pk, anonymised_at__isnull=True)


def _project(request: StoreRequest, household: Household, project_pk: int) -> Project:
    return get_object_or_404(
        Project.objects.select_related("household", "store"),
        store=request.store,
        household=household,
        pk=project_pk,
    )


def _file_url(household: Household) -> str:
    return reverse("accompaniment:household", args=[household.pk])


def _post_action(
    request: StoreRequest,
    form: forms.BaseForm,
    save: Callable[[], object],
    *,
    success: str,
    redirect_to: str,
) -> HttpResponse:
    """A POST from a page's inline form: one service call; its French error (or the form's)
    comes back as a message on the page it came from."""
    if form.is_valid():
        try:
            save()
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
    return redirect(redirect_to)


@store_view(Perm.ACCOMPANIMENT_NOTES)
def household_accompaniment(request: StoreRequest, pk: int) -> HttpResponse:
    """The household's accompaniment with the notes of its reviews: its opening is journalled."""
    store, household = request.store, _household(request, pk)
    services.project_notes_open(household=household, user=request.user)
    today = store.today()
    projects = selectors.household_projects(household)
    active = next((p for p in projects if p.is_active), None)
    slots = selectors.upcoming_slots(store, today)
    return render(
        request,
        "accompaniment/household.html",
        {
            **SECTION,
            "household": household,
            "today": today,
            "active": active,
            "progress": selectors.project_progress(active, today) if active else None,
            "past": [(p, selectors.project_savings_cents(p)) for p in projects if not p.is_active],
            "workshops": selectors.household_workshops(household),
            "appointments": selectors.household_appointments(household),
            "no_shows": selectors.household_no_shows(household),
            "review_form": ReviewForm(initial={"held_on": today}),
            "sign_form": SignForm(initial={"signed_on": today}),
            "close_form": CloseForm(),
            "attendance_form": AttendanceForm(store=store),
            "book_form": BookForHouseholdForm(slots=slots),
        },
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def project_edit(request: StoreRequest, pk: int, project_pk: int | None = None) -> HttpResponse:
    household = _household(request, pk)
    project = _project(request, household, project_pk) if project_pk else None
    today = request.store.today()
    initial = (
        {name: getattr(project, name) for name in services.PROJECT_FIELDS}
        if project
        else {"start": today, "target_date": today + timedelta(days=182)}
    )
    form = ProjectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if project is None:
                services.project_create(
                    household=household, actor=request.user, **form.cleaned_data
                )
            else:
                services.project_update(project=project, actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Projet enregistré."))
            return redirect(_file_url(household))
    return render(
        request,
        "accompaniment/form.html",
        {
            **SECTION,
            "form": form,
            "household": household,
            "title": _("Modifier le projet") if project else _("Nouveau projet"),
        },
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
def project_contract(request: StoreRequest, pk: int, project_pk: int) -> HttpResponse:
    household = _household(request, pk)
    project = _project(request, household, project_pk)
    response = HttpResponse(project_contract_pdf(project), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="contrat-projet-{project.pk}.pdf"'
    return response


@store_view(Perm.ACCOMPANIMENT_MANAGE)
@require_POST
def project_sign(request: StoreRequest, pk: int, project_pk: int) -> HttpResponse:
    household = _household(request, pk)
    project = _project(request, household, project_pk)
    form = SignForm(request.POST)
    return _post_action(
        request,
        form,
        lambda: services.project_contract_sign(
            project=project, actor=request.user, signed_on=form.cleaned_data["signed_on"]
        ),
        success=_("Signature du contrat enregistrée."),
        redirect_to=_file_url(household),
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
@require_POST
def project_close(request: StoreRequest, pk: int, project_pk: int) -> HttpResponse:
    household = _household(request, pk)
    project = _project(request, household, project_pk)
    form = CloseForm(request.POST)
    return _post_action(
        request,
        form,
        lambda: services.project_close(
            project=project, actor=request.user, status=form.cleaned_data["status"]
        ),
        success=_("Projet clos."),
        redirect_to=_file_url(household),
    )


@store_view(Perm.ACCOMPANIMENT_NOTES)
@require_POST
def project_review(request: StoreRequest, pk: int, project_pk: int) -> HttpResponse:
    household = _household(request, pk)
    project = _project(request, household, project_pk)
    form = ReviewForm(request.POST)
    return _post_action(
        request,
        form,
        lambda: services.project_review_add(
            project=project,
            actor=request.user,
            held_on=form.cleaned_data["held_on"],
            notes=form.cleaned_data["notes"],
        ),
        success=_("Point d'étape enregistré."),
        redirect_to=_file_url(household),
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
@require_POST
def workshop_attend(request: StoreRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = AttendanceForm(request.POST, store=request.store)
    return _post_action(
        request,
        form,
        lambda: services.workshop_attendance_record(
            workshop=form.cleaned_data["workshop"], household=household, actor=request.user
        ),
        success=_("Participation enregistrée."),
        redirect_to=_file_url(household),
    )


@store_view(Perm.APPOINTMENTS_BOOK)
@require_POST
def household_book(request: StoreRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    slots = selectors.upcoming_slots(request.store, request.store.today())
    form = BookForHouseholdForm(request.POST, slots=slots)

    def save() -> object:
        slot = get_object_or_404(Slot, store=request.store, pk=form.cleaned_data["slot"])
        return services.appointment_book(
            slot=slot, household=household, kind=form.cleaned_data["kind"], actor=request.user
        )

    return _post_action(
        request,
        form,
        save,
        success=_("Rendez-vous pris."),
        redirect_to=_file_url(household),
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def workshops(request: StoreRequest) -> HttpResponse:
    store = request.store
    form = WorkshopForm(request.POST or None, initial={"held_on": store.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.workshop_create(store=store, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Atelier enregistré."))
            return redirect("accompaniment:workshops")
    rows = Workshop.objects.filter(store=store).order_by("-held_on", "title")
    return render(
        request,
        "accompaniment/workshops.html",
        {**SECTION, "form": form, "workshops": rows.prefetch_related("attendances")[:100]},
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def accompaniment_settings(request: StoreRequest) -> HttpResponse:
    store = request.store
    current = selectors.accompaniment_settings(store)
    form = AccompanimentSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.accompaniment_settings_update(
                store=store, actor=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Réglages enregistrés."))
            return redirect("accompaniment:settings")
    from cabas.gestion.accompaniment.sms import sms_available

    return render(
        request,
        "accompaniment/settings.html",
        {**SECTION, "form": form, "sms_available": sms_available()},
    )


def _day(request: StoreRequest) -> date:
    raw = request.GET.get("date", "")
    try:
        day = parse_date(raw) if raw else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        if raw:
            messages.warning(request, _("Date illisible : voici les rendez-vous d'aujourd'hui."))
        return request.store.today()
    return day


@store_view(Perm.APPOINTMENTS_BOOK)
def day_view(request: StoreRequest) -> HttpResponse:
    """The day's slots and appointments for the till team: who comes, for what, and whether
    they came."""
    store = request.store
    day = _day(request)
    schedule = selectors.day_schedule(store, day)
    return render(
        request,
        "accompaniment/day.html",
        {
            **DAY_SECTION,
            "day": day,
            "today": store.today(),
            "previous": day - timedelta(days=1),
            "next": day + timedelta(days=1),
            "schedule": schedule,
            "book_form": BookForm(store=store),
            "can_manage": request.membership.has_perm(Perm.ACCOMPANIMENT_MANAGE),
        },
    )


def _day_url(day: date) -> str:
    return reverse("accompaniment:day") + f"?date={day.isoformat()}"


@store_view(Perm.APPOINTMENTS_BOOK)
@require_POST
def slot_book(request: StoreRequest, slot_pk: int) -> HttpResponse:
    slot = get_object_or_404(Slot, store=request.store, pk=slot_pk)
    form = BookForm(request.POST, store=request.store)
    return _post_action(
        request,
        form,
        lambda: services.appointment_book(
            slot=slot,
            household=form.cleaned_data["card"],
            kind=form.cleaned_data["kind"],
            actor=request.user,
        ),
        success=_("Rendez-vous pris."),
        redirect_to=_day_url(slot.date),
    )


@store_view(Perm.APPOINTMENTS_BOOK)
@require_POST
def appointment_status(request: StoreRequest, appointment_pk: int) -> HttpResponse:
    appointment = get_object_or_404(
        Appointment.objects.select_related("slot"), store=request.store, pk=appointment_pk
    )
    form = StatusForm(request.POST)
    back = request.POST.get("back", "")
    redirect_to = (
        _file_url(appointment.household)
        if back == "household" and request.membership.has_perm(Perm.ACCOMPANIMENT_NOTES)
        else _day_url(appointment.slot.date)
    )
    return _post_action(
        request,
        form,
        lambda: services.appointment_set_status(
            appointment=appointment, status=form.cleaned_data["status"], actor=request.user
        ),
        success=_("Rendez-vous mis à jour."),
        redirect_to=redirect_to,
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
def slots(request: StoreRequest) -> HttpResponse:
    store = request.store
    today = store.today()
    return render(
        request,
        "accompaniment/slots.html",
        {
            **DAY_SECTION,
            "series": SlotSeries.objects.filter(store=store, last_date__gte=today),
            "coming": selectors.slots_with_bookings(store)
            .filter(date__gte=today, date__lte=today + timedelta(days=14))
            .order_by("date", "start_time", "pk"),
            "series_form": SeriesForm(
                initial={"first_date": today, "last_date": today + timedelta(days=182)}
            ),
            "slot_form": SlotForm(initial={"day": today}),
        },
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
@require_POST
def series_create(request: StoreRequest) -> HttpResponse:
    form = SeriesForm(request.POST)
    return _post_action(
        request,
        form,
        lambda: services.slot_series_create(
            store=request.store, actor=request.user, **form.cleaned_data
        ),
        success=_("Créneaux hebdomadaires créés."),
        redirect_to=reverse("accompaniment:slots"),
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
@require_POST
def slot_create(request: StoreRequest) -> HttpResponse:
    form = SlotForm(request.POST)
    return _post_action(
        request,
        form,
        lambda: services.slot_create(store=request.store, actor=request.user, **form.cleaned_data),
        success=_("Créneau créé."),
        redirect_to=reverse("accompaniment:slots"),
    )


@store_view(Perm.ACCOMPANIMENT_MANAGE)
@require_POST
def slot_cancel(request: StoreRequest, slot_pk: int) -> HttpResponse:
    slot = get_object_or_404(Slot, store=request.store, pk=slot_pk)
    cancelled = services.slot_cancel(slot=slot, actor=request.user)
    messages.success(
        request,
        _("Créneau annulé (%(n)s rendez-vous annulé(s)).") % {"n": cancelled},
    )
    return redirect(_day_url(slot.date))
