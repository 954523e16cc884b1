"""The funders' returns page: choose a return and its period, read it, download it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cabas.gestion.reports import analytics
from cabas.gestion.reports.forms import with_defaults
from cabas.gestion.reports.returns import RETURN_KINDS, funder_return
from cabas.gestion.reports.views import _export_links, _format, export_response
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.models import Store
from cabas.gestion.stores.permissions import Perm


class ReturnForm(forms.Form):
    kind = forms.ChoiceField(label=_("Bilan"), choices=list(RETURN_KINDS.items()))
    year = forms.IntegerField(label=_("Année"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Trimestre (banque alimentaire)"),
        choices=[
            (1, _("1er trimestre")),
            (2, _("2e trimestre")),
            (3, _("3e trimestre")),
            (4, _("4e trimestre")),
        ],
        coerce=int,
        required=False,
    )

    def __init__(self, data: Any, *, store: Store, **kwargs: Any) -> None:
        today = store.today()
        # The last full quarter, and the last full year.
        quarter = (today.month - 1) // 3
        year = today.year if quarter else today.year - 1
        defaults = {"kind": "foodbank", "year": str(year), "quarter": str(quarter or 4)}
        super().__init__(with_defaults(data, defaults), **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "foodbank" and not data.get("quarter"):
            self.add_error("quarter", _("Choisissez le trimestre."))
        return data


@require_GET
@store_view(Perm.REPORTS_VIEW)
def funder_returns(request: StoreRequest) -> HttpResponse:
    form = ReturnForm(request.GET, store=request.store)
    context: dict[str, Any] = {"section": "reports", "form": form}
    if not analytics.sales_available():
        context["unavailable"] = True
        return render(request, "reports/returns.html", context)
    if form.is_valid():
        data = form.cleaned_data
        result = funder_return(request.store, data["kind"], data["year"], data.get("quarter"))
        fmt = _format(request, ("pdf", "xlsx"))
        if fmt:
            period = result.period
            return export_response(
                result.tables if fmt == "pdf" else result.export_tables(),
                fmt=fmt,
                name=f"bilan-{data['kind']}-{request.store.slug}-{period.first}-{period.last}",
                title=result.title,
                subtitle=result.subtitle,
                summary=result.summary(),
                footnote=result.footnote,
            )
        context.update(result=result, exports=_export_links(request, ("pdf", "xlsx")))
    return render(request, "reports/returns.html", context)
