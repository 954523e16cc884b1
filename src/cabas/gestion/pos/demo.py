"""Demo data of the tills: one enrolled till per demo shop and a PIN (4827) for each member."""

from __future__ import annotations

from cabas.gestion.accounts.models import User
from cabas.gestion.pos.models import CashierProfile, Device
from cabas.gestion.pos.services import (
    cashier_pin_set,
    device_enroll,
    enrollment_code_create,
)
from cabas.gestion.stores.demo import register
from cabas.gestion.stores.models import Membership, Store

DEMO_DEVICE_NAME = "Caisse de démonstration"
DEMO_PIN = "4827"


def demo_device(store: Store) -> Device:
    """The shop's demo till, enrolled through the real enrolment the first time."""
    device = Device.objects.filter(store=store, name=DEMO_DEVICE_NAME).first()
    if device is None:
        code = enrollment_code_create(store=store).code
        device = device_enroll(code=code, name=DEMO_DEVICE_NAME).device
    return device


@register(80, "caisses et codes PIN")
def load(store: Store, users: dict[str, User]) -> None:
    demo_device(store)
    with_pin = set(
        CashierProfile.objects.filter(store=store)
        .exclude(pin_hash="")
        .values_list("membership_id", flat=True)
    )
    for membership in Membership.objects.filter(store=store, is_active=True):
        if membership.pk not in with_pin:
            cashier_pin_set(membership=membership, actor=None, pin=DEMO_PIN)
