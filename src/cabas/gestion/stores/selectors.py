"""Reads about shops and memberships."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from cabas.gestion.stores.models import Membership, Store

SESSION_KEY = "cabas_store_id"


def active_memberships(user: Any) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, store__is_active=True)
        .select_related("store")
        .order_by("store__name")
    )


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership of the shop chosen in this session, or the only one the person has."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    memberships = active_memberships(user)
    store_id = request.session.get(SESSION_KEY)
    if store_id is not None:
        chosen = memberships.filter(store_id=store_id).first()
        if chosen is not None:
            return chosen
    first_two = list(memberships[:2])
    if len(first_two) == 1:
        return first_two[0]
    return None


def store_members(store: Store) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(store=store)
        .select_related("user")
        .order_by("-is_active", "user__last_name", "user__first_name", "user__username")
    )


_CACHE_ATTR = "_cabas_membership"


def request_membership(request: HttpRequest) -> Membership | None:
    """current_membership, computed once per request."""
    if not hasattr(request, _CACHE_ATTR):
        setattr(request, _CACHE_ATTR, current_membership(request))
    membership: Membership | None = getattr(request, _CACHE_ATTR)
    return membership
