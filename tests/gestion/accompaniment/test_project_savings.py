"""The project's savings are the household's tickets since the project started: full price
minus paid, refunds deducted, the «économie» the till prints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cabas.gestion.accompaniment import selectors, services
from cabas.gestion.accompaniment.models import ProjectStatus
from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.sales.models import Ticket
from tests.gestion.accompaniment.factories import make_project
from tests.gestion.sales.conftest import ticket
from tests.gestion.sales.test_intake import send

pytestmark = pytest.mark.django_db


def test_the_savings_equal_the_sum_over_the_households_tickets_with_refunds(shop_a, till_a):
    project = make_project(shop_a.household)
    sales = [
        ticket(shop_a, [(shop_a.pasta, 3), (shop_a.milk, 2)]),
        ticket(shop_a, [(shop_a.tomatoes, 1250)]),
        ticket(shop_a, [(shop_a.pasta, 1)]),
    ]
    for body in sales:
        assert send(till_a, body)[0]["status"] == "created"
    refund = ticket(shop_a, [(shop_a.pasta, -2)], refund_of=sales[0]["id"])
    assert send(till_a, refund)[0]["status"] == "created"
    # Another household's ticket and a ticket without a card do not count.
    send(till_a, ticket(shop_a, [(shop_a.pasta, 5)], household=False))

    tickets = Ticket.objects.filter(household=shop_a.household)
    expected = sum(t.full_price_cents - t.total_cents for t in tickets)
    by_receipt = sum(
        sum(line["full_price_cents"] for line in b["lines"]) - b["total_cents"]
        for b in [*sales, refund]
    )
    assert tickets.count() == 4
    assert expected == by_receipt > 0
    assert selectors.project_savings_cents(project) == expected
    assert refund["total_cents"] < 0  # the refund took its saving back
    progress = selectors.project_progress(project, shop_a.store.today())
    assert progress.saved_cents == expected
    assert progress.percent == expected * 100 // project.goal_cents


def test_tickets_before_the_project_started_or_after_it_closed_do_not_count(shop_a, till_a):
    before = (timezone.localtime() - timedelta(days=40)).isoformat()
    send(till_a, ticket(shop_a, [(shop_a.pasta, 4)], created_at=before))
    project = make_project(shop_a.household, start=shop_a.store.today() - timedelta(days=5))
    assert selectors.project_savings_cents(project) == 0
    body = ticket(shop_a, [(shop_a.pasta, 2)])
    send(till_a, body)
    saved = selectors.project_savings_cents(project)
    assert saved == 2 * 150 - body["total_cents"]
    services.project_close(
        project=project,
        actor=None,
        status=ProjectStatus.CLOSED,
        closed_on=shop_a.store.today() - timedelta(days=1),
    )
    project.refresh_from_db()
    assert selectors.project_savings_cents(project) == 0


def test_one_project_in_progress_at_a_time(shop_a):
    make_project(shop_a.household)
    with pytest.raises(ValidationError, match="déjà un projet en cours"):
        make_project(shop_a.household)


def test_a_bad_goal_or_dates_are_refused_in_french(world, shop_a):
    today = world.store_a.today()
    with pytest.raises(ValidationError) as error:
        services.project_create(
            household=shop_a.household,
            actor=world.alice,
            label=" ",
            goal_cents=0,
            start=today,
            target_date=today - timedelta(days=1),
        )
    messages = error.value.message_dict
    assert messages["label"] == ["Donnez un nom au projet."]
    assert "objectif" in messages["goal_cents"][0].lower()
    assert "échéance" in messages["target_date"][0].lower()


def test_a_review_is_journalled_without_its_notes(world, shop_a):
    project = make_project(shop_a.household)
    services.project_review_add(
        project=project,
        actor=world.alice,
        held_on=world.store_a.today(),
        notes="Dette CAF remboursée à moitié",
    )
    event = AuditEvent.objects.get(action="project.review_added")
    assert "CAF" not in str(event.changes) and "CAF" not in event.target_repr
    with pytest.raises(ValidationError, match="futur"):
        services.project_review_add(
            project=project,
            actor=world.alice,
            held_on=world.store_a.today() + timedelta(days=2),
            notes="x",
        )


def test_the_till_gets_the_project_only_when_the_shop_wants_it(world, shop_a, till_a):
    project = make_project(shop_a.household, goal_cents=10_000)
    send(till_a, ticket(shop_a, [(shop_a.pasta, 10)]))
    assert selectors.projects_for_till(world.store_a, None) == {}
    services.accompaniment_settings_update(
        store=world.store_a, actor=world.alice, data={"project_at_till": True}
    )
    shown = selectors.projects_for_till(world.store_a, None)
    assert shown == {
        shop_a.household.pk: {
            "label": "Permis de conduire",
            "goal_cents": 10_000,
            "saved_cents": selectors.project_savings_cents(project),
            "target_date": project.target_date.isoformat(),
        }
    }
    assert shown[shop_a.household.pk]["saved_cents"] > 0
