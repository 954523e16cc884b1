"""Reads about the shop's tills, enrolment codes and cashiers."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from cabas.gestion.pos.models import Device, EnrollmentCode
from cabas.gestion.stores.models import Membership, Store


def store_devices(store: Store) -> QuerySet[Device]:
    """The shop's tills, active first."""
    return Device.objects.filter(store=store).order_by("revoked_at", "name", "created_at")


def store_pending_codes(store: Store) -> QuerySet[EnrollmentCode]:
    """Codes that can still be used."""
    return EnrollmentCode.objects.filter(
        store=store, used_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("created_by")


def store_cashiers(store: Store) -> QuerySet[Membership]:
    """The shop's active members with their till profile (PIN set or not)."""
    return (
        Membership.objects.filter(store=store, is_active=True, user__is_active=True)
        .select_related("user", "cashier_profile")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def cashier_name(membership: Membership) -> str:
    user = membership.user
    return user.get_full_name() or user.get_username()
