"""The gate of every shop page: signed in, a shop chosen, the role allowed; it puts `request.store`
and `request.membership` on the request for the view. The second factor is asked before any page
(`accounts.middleware.SecondFactorMiddleware`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from cabas.gestion.accounts.models import User
from cabas.gestion.stores.models import Membership, Store
from cabas.gestion.stores.selectors import request_membership

View = Callable[..., HttpResponseBase]


class StoreRequest(HttpRequest):
    """The request a `store_view` receives: for type checkers only."""

    store: Store
    membership: Membership
    user: User
    htmx: Any  # django-htmx's HtmxDetails (its middleware)


def store_view(perm: str) -> Callable[[View], View]:
    """Decorate a view of the current shop that needs the capability `perm`."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = request_membership(request)
            if membership is None:
                return redirect("stores:choose")
            if not membership.has_perm(perm):
                raise PermissionDenied
            request.store = membership.store  # type: ignore[attr-defined]
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        wrapper.cabas_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator
