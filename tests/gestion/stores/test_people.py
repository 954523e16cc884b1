"""A manager runs the shop's team: adds people, changes roles, deactivates; every change audited."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from cabas.gestion.audit.models import AuditEvent
from cabas.gestion.stores.models import Membership
from cabas.gestion.stores.permissions import Role
from cabas.gestion.stores.services import (
    Invitation,
    invitation_accept,
    membership_update,
    person_add,
)


def invite_bob_to_shop_b(world, role):
    """Charlie adds bob, who already works in shop A, to shop B: an invitation."""
    invitation = person_add(
        store=world.store_b, actor=world.charlie, username="bob", email="bob@example.org", role=role
    )
    assert isinstance(invitation, Invitation)
    return invitation


class TestPeople:
    def test_a_new_person_without_a_password_gets_a_welcome_email(
        self, alice_client, world, django_capture_on_commit_callbacks
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = alice_client.post(
                reverse("stores:person_add"),
                {
                    "username": "yann",
                    "first_name": "Yann",
                    "email": "yann@example.org",
                    "role": Role.STOCK,
                },
            )
        assert response.status_code == 302
        assert len(mail.outbox) == 1
        assert "Épicerie A" in mail.outbox[0].subject
        assert "/reinitialiser/" in mail.outbox[0].body

    def test_the_welcome_email_shows_the_shop_name_and_the_username_as_typed(
        self, alice_client, world, django_capture_on_commit_callbacks
    ) -> None:
        world.store_a.name = "L'Épi d'Or"
        world.store_a.save(update_fields=["name"])
        with django_capture_on_commit_callbacks(execute=True):
            alice_client.post(
                reverse("stores:person_add"),
                {"username": "yann", "email": "yann@example.org", "role": Role.STOCK},
            )
        assert "L'Épi d'Or" in mail.outbox[0].subject
        assert "&#x27;" not in mail.outbox[0].subject + mail.outbox[0].body
        assert "Votre identifiant : yann" in mail.outbox[0].body

    def test_the_manager_changes_a_role_and_it_is_audited(self, world) -> None:
        membership = world.store_a.memberships.get(user=world.bob)
        membership_update(membership=membership, actor=world.alice, role=Role.STOCK)
        event = AuditEvent.objects.get(action="membership.changed", target_id=str(membership.pk))
        assert event.actor == world.alice
        assert event.changes == {"role": [Role.CASHIER, Role.STOCK]}
        assert event.store == world.store_a

    def test_a_deactivated_person_can_no_longer_open_the_shop(self, client, world) -> None:
        membership = world.store_a.memberships.get(user=world.bob)
        membership_update(membership=membership, actor=world.alice, is_active=False)
        client.force_login(world.bob)
        response = client.get(reverse("core:home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("stores:choose")
        # Their account and past actions remain.
        assert Membership.objects.filter(pk=membership.pk).exists()

    def test_the_last_manager_cannot_be_removed(self, world) -> None:
        membership = world.store_a.memberships.get(user=world.alice)
        with pytest.raises(ValidationError, match="au moins un responsable"):
            membership_update(membership=membership, actor=world.alice, role=Role.CASHIER)
        membership.refresh_from_db()
        assert membership.role == Role.MANAGER

    def test_an_existing_account_joins_another_shop_only_by_accepting_an_invitation(
        self, world, client
    ) -> None:
        invitation = invite_bob_to_shop_b(world, Role.CASHIER)
        assert world.bob.memberships.count() == 1  # nothing until bob says yes
        client.force_login(world.bob)
        url = reverse("stores:invitation", kwargs={"token": invitation.token()})
        assert "Épicerie B" in client.get(url).content.decode()
        assert client.post(url).status_code == 302
        assert world.bob.memberships.filter(store=world.store_b, is_active=True).exists()

    def test_an_invitation_is_for_the_invited_account_only(self, world, client) -> None:
        invitation = invite_bob_to_shop_b(world, Role.MANAGER)
        client.force_login(world.diane)
        url = reverse("stores:invitation", kwargs={"token": invitation.token()})
        assert client.post(url).status_code == 400
        assert not world.diane.memberships.filter(store=world.store_b).exists()
        tampered = invitation.token()[:-2] + "xx"
        client.force_login(world.bob)
        bad = client.post(reverse("stores:invitation", kwargs={"token": tampered}))
        assert bad.status_code == 400
        assert "pas valable" in bad.content.decode()

    def test_adding_a_taken_username_says_the_same_whatever_the_email(
        self, world, client, django_capture_on_commit_callbacks
    ) -> None:
        client.force_login(world.charlie)
        answers = []
        for email in ("wrong@example.org", "bob@example.org"):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    reverse("stores:person_add"),
                    {"username": "bob", "email": email, "role": Role.CASHIER},
                    follow=True,
                )
            page = response.content.decode()
            answers.append(page[page.index("<main") :].replace(email, "…"))
        assert answers[0] == answers[1]
        assert "déjà pris" not in answers[0]
        # Only the real owner of the account got the invitation, at the account's own address.
        assert [m.to for m in mail.outbox] == [["bob@example.org"]]
        assert "/invitation/" in mail.outbox[0].body
        assert world.bob.memberships.count() == 1

    def test_a_person_in_two_shops_switches_between_them(self, client, world) -> None:
        invitation = invite_bob_to_shop_b(world, Role.MANAGER)
        invitation_accept(token=invitation.token(), user=world.bob)
        client.force_login(world.bob)
        assert client.get(reverse("core:home"))["Location"] == reverse("stores:choose")
        client.post(reverse("stores:choose"), {"store": world.store_b.pk})
        assert "Épicerie B" in client.get(reverse("core:home")).content.decode()
        assert client.get(reverse("stores:people")).status_code == 200
        client.post(reverse("stores:choose"), {"store": world.store_a.pk})
        assert client.get(reverse("stores:people")).status_code == 403

    def test_a_manager_cannot_edit_another_shops_member(self, client, world) -> None:
        client.force_login(world.charlie)
        membership = world.store_a.memberships.get(user=world.bob)
        response = client.post(
            reverse("stores:person_edit", args=[membership.pk]), {"role": Role.MANAGER}
        )
        assert response.status_code == 404
        membership.refresh_from_db()
        assert membership.role == Role.CASHIER

    def test_settings_refuse_a_file_that_is_not_an_image_as_logo(self, alice_client, world) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = alice_client.post(
            reverse("stores:settings"),
            {
                "name": "Épicerie A",
                "timezone": "Europe/Paris",
                "logo": SimpleUploadedFile("logo.png", b"<?php echo 1; ?>", "image/png"),
            },
        )
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()

    def test_settings_changes_are_audited(self, alice_client, world) -> None:
        alice_client.post(
            reverse("stores:settings"),
            {
                "name": "Épicerie A du Centre",
                "timezone": "America/Cayenne",
                "require_2fa": "",
            },
        )
        world.store_a.refresh_from_db()
        assert world.store_a.timezone == "America/Cayenne"
        event = AuditEvent.objects.get(action="store.settings_changed")
        assert event.changes["name"] == ["Épicerie A", "Épicerie A du Centre"]
        page = alice_client.get(reverse("stores:audit_log"))
        assert "Épicerie A du Centre" in page.content.decode()


class TestDemo:
    def test_demo_is_idempotent(self, db) -> None:
        from django.core.management import call_command

        from cabas.gestion.accounts.models import User
        from cabas.gestion.stores.models import Store

        call_command("demo", password="demo-password-123", stdout=io.StringIO())
        counts = (Store.objects.count(), User.objects.count(), Membership.objects.count())
        call_command("demo", password="demo-password-123", stdout=io.StringIO())
        assert (Store.objects.count(), User.objects.count(), Membership.objects.count()) == counts
        assert counts[0] == 2
        assert User.objects.get(username="voisine-caisse").check_password("demo-password-123")


class TestLogo:
    def test_a_manager_uploads_a_logo_that_only_the_shop_sees(self, alice_client, world, client):
        import io

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (40, 20), (30, 120, 60)).save(buffer, format="PNG")
        response = alice_client.post(
            reverse("stores:settings"),
            {
                "name": "Épicerie A",
                "timezone": "Europe/Paris",
                "logo": SimpleUploadedFile("logo.png", buffer.getvalue(), "image/png"),
            },
        )
        assert response.status_code == 302
        logo = alice_client.get(reverse("stores:logo"))
        assert logo.status_code == 200
        assert logo["Content-Type"] == "image/png"
        assert b"".join(logo.streaming_content).startswith(b"\x89PNG")
        assert reverse("stores:logo") in alice_client.get(reverse("core:home")).content.decode()
        client.force_login(world.charlie)
        assert client.get(reverse("stores:logo")).status_code == 404
