"""Report pages: thin views over the selectors; every table page exports with ?format=."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.reports import analytics, services
from cabas.gestion.reports.activity import DEFINITIONS, activity_report, report_tables
from cabas.gestion.reports.exports import (
    CSV_CONTENT_TYPE,
    PDF_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    tables_to_csv,
    tables_to_pdf,
    tables_to_xlsx,
)
from cabas.gestion.reports.forms import (
    GROUP_CHOICES,
    ActivityForm,
    SalesForm,
    SaveStatisticForm,
    StatisticForm,
    StockForm,
)
from cabas.gestion.reports.models import SavedStatistic
from cabas.gestion.reports.periods import Period
from cabas.gestion.reports.statistics import parse_definition, run_statistic
from cabas.gestion.reports.stock_selectors import stock_report_tables
from cabas.gestion.reports.tables import Table
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.permissions import Perm
from cabas.rules.money import format_euros


def export_response(
    tables: Sequence[Table],
    *,
    fmt: str,
    name: str,
    title: str,
    subtitle: str = "",
    summary: Sequence[tuple[str, str]] = (),
    footnote: str = "",
) -> HttpResponse:
    if fmt == "csv":
        body, content_type, ext = tables_to_csv(tables), CSV_CONTENT_TYPE, "csv"
    elif fmt == "xlsx":
        body = tables_to_xlsx(tables, heading=f"{title} {subtitle}".strip())
        content_type, ext = XLSX_CONTENT_TYPE, "xlsx"
    else:
        body = tables_to_pdf(
            tables, title=title, subtitle=subtitle, summary=summary, footnote=footnote
        )
        content_type, ext = PDF_CONTENT_TYPE, "pdf"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slugify(name)}.{ext}"'
    return response


def _format(request: StoreRequest, allowed: Sequence[str]) -> str | None:
    fmt = request.GET.get("format", "")
    return fmt if fmt in allowed else None


def _export_links(request: StoreRequest, formats: Sequence[str]) -> list[tuple[str, str]]:
    params = request.GET.copy()
    links = []
    for fmt in formats:
        params["format"] = fmt
        links.append((fmt.upper(), f"?{params.urlencode()}"))
    return links


@require_GET
@store_view(Perm.STOCK_REPORTS_VIEW)
def home(request: StoreRequest) -> HttpResponse:
    can_all = request.membership.has_perm(Perm.REPORTS_VIEW)
    saved = SavedStatistic.objects.filter(store=request.store) if can_all else []
    return render(
        request,
        "reports/home.html",
        {"section": "reports", "can_all": can_all, "saved": saved},
    )


# --- Sales ----------------------------------------------------------------------------------


def _ticket_url(ticket_id: Any) -> str | None:
    try:
        return reverse("sales:ticket_detail", kwargs={"ticket_id": ticket_id})
    except NoReverseMatch:
        return None


@require_GET
@store_view(Perm.REPORTS_VIEW)
def sales(request: StoreRequest) -> HttpResponse:
    form = SalesForm(request.GET, store=request.store)
    context: dict[str, Any] = {"section": "reports", "form": form}
    if not analytics.sales_available():
        context["unavailable"] = True
        return render(request, "reports/sales.html", context)
    if form.is_valid():
        period = form.period()
        group_by = form.cleaned_data["group_by"]
        filters = analytics.Filters(customer=form.cleaned_data["customer"])
        if group_by == "payment":
            table = analytics.payments_by_method(request.store, period)
        else:
            grouped = analytics.aggregate(
                request.store,
                period,
                dimensions=[group_by],
                measures=analytics.TABLE_MEASURES,
                filters=filters,
            )

            def link(row: dict[str, Any]) -> str:
                query = {
                    "date_from": period.first.isoformat(),
                    "date_to": period.last.isoformat(),
                    "dimension": group_by,
                    "value": analytics.drill_value(row, group_by),
                    "label": row[group_by],
                    "customer": filters.customer,
                }
                return f"{reverse('reports:sales_tickets')}?{urlencode(query)}"

            table = analytics.grouped_table(
                grouped,
                title=_("Ventes par %(dim)s — %(period)s")
                % {
                    "dim": str(analytics.DIMENSIONS[group_by].label).lower(),
                    "period": period.label(),
                },
                links=link,
                short=True,
            )
        fmt = _format(request, ("csv", "xlsx", "pdf"))
        if fmt:
            return export_response(
                [table],
                fmt=fmt,
                # French words in the file name: «ventes-par-produit-…», not the key.
                name=f"ventes-par-{dict(GROUP_CHOICES)[group_by]}-{period.first}-{period.last}",
                title=f"{_('Ventes')} — {request.store.name}",
                subtitle=period.label(),
            )
        context.update(table=table, exports=_export_links(request, ("csv", "xlsx", "pdf")))
    return render(request, "reports/sales.html", context)


@require_GET
@store_view(Perm.REPORTS_VIEW)
def sales_tickets(request: StoreRequest) -> HttpResponse:
    """The tickets behind one row of the sales table."""
    form = SalesForm(request.GET, store=request.store)
    dimension = request.GET.get("dimension", "")
    value = request.GET.get("value", "")
    context: dict[str, Any] = {"section": "reports", "form": form}
    if not analytics.sales_available() or not form.is_valid():
        context["unavailable"] = not analytics.sales_available()
        return render(request, "reports/sales_tickets.html", context)
    period: Period = form.period()
    filters = analytics.Filters(customer=form.cleaned_data["customer"])
    try:
        tickets = analytics.drill_tickets(
            request.store, period, dimension=dimension, value=value, filters=filters
        )
        page = Paginator(tickets, 50).get_page(request.GET.get("page"))
        rows = [
            (t, _ticket_url(t.pk), format_euros(t.total_cents), format_euros(t.full_price_cents))
            for t in page
        ]
    except (ValueError, ValidationError):
        messages.error(request, _("Ce regroupement n'existe pas."))
        return redirect("reports:sales")
    context.update(
        page=page,
        rows=rows,
        period=period,
        dimension_label=analytics.DIMENSIONS[dimension].label,
        value=request.GET.get("label", "")[:100] or value,
        back=reverse("reports:sales")
        + "?"
        + urlencode(
            {
                "date_from": period.first.isoformat(),
                "date_to": period.last.isoformat(),
                "group_by": dimension,
                "customer": filters.customer,
            }
        ),
    )
    # Ticket times in the shop's time zone, as the period is.
    with timezone.override(ZoneInfo(request.store.timezone)):
        return render(request, "reports/sales_tickets.html", context)


# --- Stock ----------------------------------------------------------------------------------


@require_GET
@store_view(Perm.STOCK_REPORTS_VIEW)
def stock(request: StoreRequest) -> HttpResponse:
    form = StockForm(request.GET, store=request.store)
    context: dict[str, Any] = {"section": "reports", "form": form}
    if form.is_valid():
        day = form.cleaned_data["day"]
        tables = stock_report_tables(request.store, day, form.losses_period())
        from cabas.gestion.reports.stock_selectors import slow_movers

        tables[2] = slow_movers(request.store, day, idle_days=form.cleaned_data["idle_days"])
        fmt = _format(request, ("csv", "xlsx", "pdf"))
        if fmt:
            return export_response(
                tables,
                fmt=fmt,
                name=f"stock-{day}",
                title=f"{_('État du stock')} — {request.store.name}",
                subtitle=_("au soir du %(day)s") % {"day": f"{day:%d/%m/%Y}"},
            )
        context.update(
            tables=tables, day=day, exports=_export_links(request, ("csv", "xlsx", "pdf"))
        )
    return render(request, "reports/stock.html", context)


# --- Activity report ------------------------------------------------------------------------


@require_GET
@store_view(Perm.REPORTS_VIEW)
def activity(request: StoreRequest) -> HttpResponse:
    form = ActivityForm(request.GET, store=request.store)
    context: dict[str, Any] = {"section": "reports", "form": form}
    if not analytics.sales_available():
        context["unavailable"] = True
        return render(request, "reports/activity.html", context)
    if form.is_valid():
        period = form.period()
        report = activity_report(request.store, period, annual=form.cleaned_data["kind"] == "year")
        fmt = _format(request, ("csv", "xlsx", "pdf"))
        if fmt:
            tables = report.tables if fmt == "pdf" else report_tables(report)
            return export_response(
                tables,
                fmt=fmt,
                name=f"activite-{request.store.slug}-{period.first}-{period.last}",
                title=report.title,
                subtitle=report.subtitle,
                summary=report.summary(),
                footnote=str(DEFINITIONS),
            )
        context.update(
            report=report,
            definitions=DEFINITIONS,
            exports=_export_links(request, ("pdf", "xlsx", "csv")),
        )
    return render(request, "reports/activity.html", context)


# --- Statistics builder ---------------------------------------------------------------------


def _statistic_page(
    request: StoreRequest, form: StatisticForm, saved: SavedStatistic | None = None
) -> HttpResponse:
    context: dict[str, Any] = {
        "section": "reports",
        "form": form,
        "saved": saved,
        "save_form": SaveStatisticForm(initial={"name": saved.name if saved else ""}),
        "saved_list": SavedStatistic.objects.filter(store=request.store),
    }
    if not analytics.sales_available():
        context["unavailable"] = True
        return render(request, "reports/statistics.html", context)
    if form.is_valid():
        result = run_statistic(request.store, form.definition)
        fmt = _format(request, ("csv", "xlsx"))
        if fmt:
            return export_response(
                [result.table],
                fmt=fmt,
                name=saved.name if saved else "statistique",
                title=str(result.table.title),
            )
        context.update(
            result=result, exports=_export_links(request, ("csv", "xlsx")), query=request.GET
        )
    return render(request, "reports/statistics.html", context)


@require_GET
@store_view(Perm.REPORTS_VIEW)
def statistics(request: StoreRequest) -> HttpResponse:
    return _statistic_page(request, StatisticForm(request.GET, store=request.store))


@require_GET
@store_view(Perm.REPORTS_VIEW)
def statistic_detail(request: StoreRequest, statistic_id: int) -> HttpResponse:
    saved = get_object_or_404(SavedStatistic, pk=statistic_id, store=request.store)
    if request.GET.get("measure"):
        form = StatisticForm(request.GET, store=request.store)
    else:
        try:
            definition = parse_definition(saved.definition)
        except ValueError as exc:
            messages.error(request, str(exc))
            return redirect("reports:statistics")
        form = StatisticForm.from_definition(definition, store=request.store)
    return _statistic_page(request, form, saved)


@require_POST
@store_view(Perm.REPORTS_VIEW)
def statistic_save(request: StoreRequest) -> HttpResponse:
    form = StatisticForm(request.POST, store=request.store)
    name_form = SaveStatisticForm(request.POST)
    if form.is_valid() and name_form.is_valid():
        try:
            saved = services.saved_statistic_create(
                store=request.store,
                actor=request.user,
                name=name_form.cleaned_data["name"],
                definition=form.definition,
            )
        except ValidationError as exc:
            apply_validation_error(name_form, exc)
        else:
            messages.success(request, _("Statistique enregistrée pour l'équipe."))
            return redirect("reports:statistic_detail", statistic_id=saved.pk)
    errors = [str(e) for f in (form, name_form) for errs in f.errors.values() for e in errs]
    messages.error(request, " ".join(errors) or _("La statistique n'a pas pu être enregistrée."))
    params = request.POST.copy()
    params.pop("csrfmiddlewaretoken", None)
    params.pop("name", None)
    return redirect(f"{reverse('reports:statistics')}?{params.urlencode()}")


@require_http_methods(["POST"])
@store_view(Perm.REPORTS_VIEW)
def statistic_delete(request: StoreRequest, statistic_id: int) -> HttpResponse:
    saved = get_object_or_404(SavedStatistic, pk=statistic_id, store=request.store)
    services.saved_statistic_delete(statistic=saved)
    messages.success(request, _("Statistique supprimée."))
    return redirect("reports:statistics")
