"""The *Caisse* pages: download of the till, enrolment codes, the shop's tills, cashier PINs."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cabas.gestion.core.forms import apply_validation_error
from cabas.gestion.pos import keys, packages, services
from cabas.gestion.pos.forms import CashierPinForm, DeviceRenameForm
from cabas.gestion.pos.models import Device
from cabas.gestion.pos.selectors import (
    cashier_name,
    store_cashiers,
    store_devices,
    store_pending_codes,
)
from cabas.gestion.stores.decorators import StoreRequest, store_view
from cabas.gestion.stores.models import Membership
from cabas.gestion.stores.permissions import Perm


def _server_url(request: StoreRequest) -> str:
    return settings.CABAS_PUBLIC_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")


def _home_context(request: StoreRequest) -> dict[str, object]:
    can_manage = request.membership.has_perm(Perm.TILL_MANAGE)
    release = packages.latest_release()
    detected = packages.platform_of(request.headers.get("User-Agent", ""))
    bundles = list(release.bundles.values()) if release else []
    # The visitor's system first, then the others in the table's order.
    order = list(packages.PLATFORMS)
    bundles.sort(key=lambda f: (f.platform != detected, order.index(f.platform.slug)))  # type: ignore[union-attr]
    context: dict[str, object] = {
        "section": "pos",
        "release": release,
        "bundles": bundles,
        "detected": detected if any(f.platform == detected for f in bundles) else None,
        "first_system": bundles[0].platform.system if bundles else None,  # type: ignore[union-attr]
        "server_url": _server_url(request),
        "can_manage": can_manage,
    }
    if can_manage:
        context["devices"] = list(store_devices(request.store))
        context["codes"] = list(store_pending_codes(request.store))
        context["public_key"] = keys.public_key_b64()
    return context


@store_view(Perm.TILL_USE)
def home(request: StoreRequest) -> HttpResponse:
    return render(request, "pos/home.html", _home_context(request))


@store_view(Perm.TILL_USE)
def download(request: StoreRequest) -> HttpResponseBase:
    """The till to put on a computer: a platform's bundle, its setup (this server's address,
    signed) written into it; or the code-only package for technicians."""
    release = packages.latest_release()
    if release is None:
        messages.error(request, _("Aucune version de la caisse n'est disponible sur ce serveur."))
        return redirect("pos:home")
    slug = request.GET.get("plateforme", "")
    if not slug:
        return FileResponse(
            release.code.path.open("rb"),
            as_attachment=True,
            filename=release.code.name,
            content_type="application/octet-stream",
        )
    bundle = release.bundle_for(slug)
    if bundle is None:
        messages.error(request, _("Cette version de la caisse n'existe pas pour ce système."))
        return redirect("pos:home")
    comment = services.download_setup(server_url=_server_url(request), store=request.store)
    size, chunks = packages.with_setup(bundle, comment)
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Length"] = str(size)
    response["Content-Disposition"] = content_disposition_header(True, bundle.name) or ""
    return response


@store_view(Perm.TILL_MANAGE)
@require_POST
def code_create(request: StoreRequest) -> HttpResponse:
    new = services.enrollment_code_create(store=request.store, actor=request.user)
    context = _home_context(request)
    context["new_code"] = new.code
    context["new_code_expires_at"] = new.record.expires_at
    return render(request, "pos/home.html", context)


@store_view(Perm.TILL_MANAGE)
@require_http_methods(["GET", "POST"])
def device_edit(request: StoreRequest, device_id: str) -> HttpResponse:
    device = get_object_or_404(Device, pk=device_id, store=request.store)
    form = DeviceRenameForm(request.POST or None, initial={"name": device.name})
    if request.method == "POST" and form.is_valid():
        services.device_rename(device=device, actor=request.user, name=form.cleaned_data["name"])
        messages.success(request, _("Caisse renommée."))
        return redirect("pos:home")
    return render(
        request, "pos/device_edit.html", {"form": form, "device": device, "section": "pos"}
    )


@store_view(Perm.TILL_MANAGE)
@require_POST
def device_revoke(request: StoreRequest, device_id: str) -> HttpResponse:
    device = get_object_or_404(Device, pk=device_id, store=request.store)
    services.device_revoke(device=device, actor=request.user)
    messages.success(
        request,
        _("La caisse « %(name)s » est révoquée : elle ne peut plus envoyer ni recevoir.")
        % {"name": device.name},
    )
    return redirect("pos:home")


@store_view(Perm.TILL_MANAGE)
def cashier_list(request: StoreRequest) -> HttpResponse:
    return render(
        request,
        "pos/cashier_list.html",
        {"members": store_cashiers(request.store), "section": "pos"},
    )


@store_view(Perm.TILL_MANAGE)
@require_http_methods(["GET", "POST"])
def cashier_pin(request: StoreRequest, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("user"),
        pk=membership_id,
        store=request.store,
        is_active=True,
    )
    form = CashierPinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        clear = form.cleaned_data["clear"]
        try:
            services.cashier_pin_set(
                membership=membership,
                actor=request.user,
                pin=None if clear else form.cleaned_data["pin"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                (
                    _("Code PIN de %(name)s supprimé.")
                    if clear
                    else _(
                        "Code PIN de %(name)s enregistré : les caisses le recevront à leur "
                        "prochaine synchronisation."
                    )
                )
                % {"name": cashier_name(membership)},
            )
            return redirect("pos:cashiers")
    return render(
        request,
        "pos/cashier_pin.html",
        {"form": form, "member": membership, "name": cashier_name(membership), "section": "pos"},
    )
