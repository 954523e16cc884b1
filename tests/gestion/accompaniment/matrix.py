from __future__ import annotations

from datetime import timedelta

from cabas.gestion.accompaniment.models import Appointment, Project, Slot
from tests.gestion.beneficiaries.matrix import household_a
from tests.gestion.matrix import EVERY_ROLE, MANAGER_ONLY, Row, answers, object_of_shop_a


def project_a(world) -> dict[str, int]:
    from tests.gestion.accompaniment.factories import make_project

    pk = household_a(world)["pk"]
    project = Project.objects.filter(store=world.store_a, household_id=pk).first()
    if project is None:
        from cabas.gestion.beneficiaries.models import Household

        project = make_project(Household.objects.get(pk=pk))
    return {"pk": pk, "project_pk": project.pk}


def slot_a(world) -> dict[str, int]:
    from tests.gestion.accompaniment.factories import make_slot

    slot = Slot.objects.filter(store=world.store_a).first() or make_slot(
        world.store_a, day=world.store_a.today() + timedelta(days=2)
    )
    return {"slot_pk": slot.pk}


def appointment_a(world) -> dict[str, int]:
    from cabas.gestion.accompaniment.services import appointment_book
    from cabas.gestion.beneficiaries.models import Household

    appointment = Appointment.objects.filter(store=world.store_a).first()
    if appointment is None:
        slot = Slot.objects.get(pk=slot_a(world)["slot_pk"])
        household = Household.objects.get(pk=household_a(world)["pk"])
        appointment = appointment_book(slot=slot, household=household, kind="shopping", actor=None)
    return {"appointment_pk": appointment.pk}


FILE = object_of_shop_a(MANAGER_ONLY)
# A POST action answers with a redirect (its message says what happened).
MANAGER_ACTION = answers(manager=302, stock=403, cashier=403, other=404)
TEAM_ACTION = answers(manager=302, stock=302, cashier=302, other=404)
SHOP_MANAGER_ACTION = answers(manager=302, stock=403, cashier=403, other=302)

ROWS = [
    # The notes: managers only (and each opening is journalled).
    Row("accompaniment:household", FILE, kwargs=household_a),
    Row("accompaniment:project_add", FILE, kwargs=household_a),
    Row("accompaniment:project_edit", FILE, kwargs=project_a),
    Row("accompaniment:contract", FILE, kwargs=project_a),
    Row("accompaniment:sign", MANAGER_ACTION, kwargs=project_a, method="post"),
    Row("accompaniment:close", MANAGER_ACTION, kwargs=project_a, method="post"),
    Row("accompaniment:review", MANAGER_ACTION, kwargs=project_a, method="post"),
    Row("accompaniment:attend", MANAGER_ACTION, kwargs=household_a, method="post"),
    # The team books; charlie cannot reach a household of shop A.
    Row("accompaniment:household_book", TEAM_ACTION, kwargs=household_a, method="post"),
    Row("accompaniment:workshops", MANAGER_ONLY),
    Row("accompaniment:settings", MANAGER_ONLY),
    # The day view: the whole team of the shop (labels, reasons and no-shows, never notes).
    Row("accompaniment:day", EVERY_ROLE),
    Row("accompaniment:book", TEAM_ACTION, kwargs=slot_a, method="post"),
    Row("accompaniment:status", TEAM_ACTION, kwargs=appointment_a, method="post"),
    Row("accompaniment:slots", MANAGER_ONLY),
    Row("accompaniment:series_create", SHOP_MANAGER_ACTION, method="post"),
    Row("accompaniment:slot_create", SHOP_MANAGER_ACTION, method="post"),
    Row("accompaniment:slot_cancel", MANAGER_ACTION, kwargs=slot_a, method="post"),
]
