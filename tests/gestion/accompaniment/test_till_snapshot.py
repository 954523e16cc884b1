"""The household's project in the till's snapshot: only when the shop wants it, with the
savings of its acknowledged tickets, in the deltas when they change."""

from __future__ import annotations

import pytest

from cabas.gestion.accompaniment import selectors, services
from cabas.gestion.accompaniment.models import ProjectStatus
from tests.gestion.accompaniment.factories import make_project
from tests.gestion.sales.conftest import ticket
from tests.gestion.sales.test_intake import send
from tests.gestion.tillapi.test_snapshot import snapshot

pytestmark = pytest.mark.django_db


def show_projects(world, on: bool = True) -> None:
    services.accompaniment_settings_update(
        store=world.store_a, actor=world.alice, data={"project_at_till": on}
    )


def test_no_project_goes_to_the_till_unless_the_shop_wants_it(world, shop_a, till_a):
    make_project(shop_a.household, goal_cents=40_000)
    [household] = snapshot(till_a).beneficiaries
    assert household.project is None
    show_projects(world)
    [household] = snapshot(till_a).beneficiaries
    assert household.project is not None
    assert (household.project.label, household.project.goal_cents) == ("Permis de conduire", 40_000)
    assert household.project.saved_cents == 0


def test_a_delta_carries_the_new_savings_and_the_projects_end(world, shop_a, till_a, settings):
    settings.CABAS_SNAPSHOT_CURSOR_MARGIN = 0
    project = make_project(shop_a.household)
    first = snapshot(till_a)
    show_projects(world)
    # Switching the setting on puts the household in the next delta.
    delta = snapshot(till_a, first.cursor)
    assert [b.code for b in delta.beneficiaries] == [shop_a.household.code]
    assert delta.beneficiaries[0].project is not None
    # A ticket of free goods changes no spending but does change the savings.
    body = ticket(shop_a, [(shop_a.pasta, 4)], rate_bp=0)
    assert body["total_cents"] == 0
    send(till_a, body)
    later = snapshot(till_a, delta.cursor)
    [household] = later.beneficiaries
    assert household.project.saved_cents == 600 == selectors.project_savings_cents(project)
    services.project_close(project=project, actor=world.alice, status=ProjectStatus.REACHED)
    closed = snapshot(till_a, later.cursor)
    [household] = closed.beneficiaries
    assert household.project is None


def test_the_snapshot_keeps_its_queries_few_with_projects(
    world, shop_a, till_a, django_assert_max_num_queries
):
    make_project(shop_a.household)
    show_projects(world)
    # The snapshot's own (tests/gestion/tillapi/test_snapshot.py), plus the shop's setting, its
    # projects in progress and their savings (one query per distinct start date).
    with django_assert_max_num_queries(24):
        snapshot(till_a)


def test_a_cached_snapshot_is_rebuilt_when_a_project_changes(world, shop_a, till_a):
    show_projects(world)
    project = make_project(shop_a.household, goal_cents=10_000)
    assert snapshot(till_a).beneficiaries[0].project.goal_cents == 10_000
    services.project_update(project=project, actor=world.alice, data={"goal_cents": 12_000})
    assert snapshot(till_a).beneficiaries[0].project.goal_cents == 12_000
