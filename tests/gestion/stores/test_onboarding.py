"""Onboarding a new person: least rights by default, «Mot de passe oublié» works before the
first password, the welcome e-mail can be sent again (issue #21, item 6)."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.stores.forms import PersonAddForm
from cabas.gestion.stores.models import Membership
from cabas.gestion.stores.permissions import Role
from cabas.gestion.stores.services import person_add


def test_a_new_person_gets_the_least_rights_unless_chosen(alice_client, world) -> None:
    assert PersonAddForm().fields["role"].initial == Role.CASHIER
    page = alice_client.get(reverse("stores:person_add")).content.decode()
    assert page.index('value="caisse"') < page.index('value="responsable"')
    assert 'value="caisse" selected' in page


def test_a_person_added_without_a_password_can_ask_for_one(
    client, world, django_capture_on_commit_callbacks
) -> None:
    person_add(
        store=world.store_a,
        actor=world.alice,
        username="yann",
        role=Role.STOCK,
        email="yann@example.org",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "YANN@example.org"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["yann@example.org"]]
    assert "(yann)" in mail.outbox[0].body and "/reinitialiser/" in mail.outbox[0].body


def test_the_manager_sends_the_welcome_email_again(
    alice_client, world, django_capture_on_commit_callbacks
) -> None:
    membership = person_add(
        store=world.store_a,
        actor=world.alice,
        username="yann",
        role=Role.STOCK,
        email="yann@example.org",
    )
    assert isinstance(membership, Membership)
    url = reverse("stores:person_edit", args=[membership.pk])
    assert "Renvoyer l'invitation" in alice_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("stores:person_welcome_resend", args=[membership.pk]), follow=True
        )
    assert "Invitation renvoyée à yann@example.org." in response.content.decode()
    assert len(mail.outbox) == 1 and "Votre identifiant : yann" in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="person.welcome_resent", actor=world.alice).exists()


def test_charlie_cannot_resend_alices_invitations(client, world) -> None:
    membership = world.store_a.memberships.get(user=world.bob)
    client.force_login(world.charlie)
    response = client.post(reverse("stores:person_welcome_resend", args=[membership.pk]))
    assert response.status_code == 404
    assert len(mail.outbox) == 0
