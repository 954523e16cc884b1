"""Writes about shops and the people in them. Each is one transaction and leaves an audit trace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record, diff_fields, snapshot_fields
from cabas.gestion.stores.logos import logo_file_name
from cabas.gestion.stores.models import STORE_SETTINGS_FIELDS, Membership, Store
from cabas.gestion.stores.permissions import Role

# The settings copied from the form and traced as they are (the logo is an upload).
_COPIED_SETTINGS = tuple(name for name in STORE_SETTINGS_FIELDS if name != "logo")


@transaction.atomic
def store_create(
    *, slug: str, name: str, timezone: str = "Europe/Paris", actor: User | None = None
) -> Store:
    store = Store(slug=slug, name=name, timezone=timezone)
    store.full_clean()
    store.save()
    audit_record(store=store, actor=actor, action="store.created", target=store)
    return store


@transaction.atomic
def store_update_settings(*, store: Store, actor: User, data: dict[str, object]) -> Store:
    # Compare with the stored row (a ModelForm may already have changed the instance in memory),
    # locked so that two managers saving at once each see the other's change in the trail.
    store = Store.objects.select_for_update().get(pk=store.pk)
    before = snapshot_fields(store, _COPIED_SETTINGS)
    for field in _COPIED_SETTINGS:
        if field in data:
            setattr(store, field, data[field])
    logo = data.get("logo")
    if isinstance(logo, File):  # a new upload (the form's cleaned file)
        # Named after what it is (checked by its content), not what the sender called it.
        logo.name = logo_file_name(logo, store.slug)
        store.logo = logo
    store.full_clean()
    changes = diff_fields(store, before, _COPIED_SETTINGS)
    if isinstance(logo, File):
        changes["logo"] = ["", str(getattr(logo, "name", ""))]
    store.save()
    if changes:
        audit_record(
            store=store, actor=actor, action="store.settings_changed", target=store, changes=changes
        )
    return store


@transaction.atomic
def person_add(
    *,
    store: Store,
    actor: User | None,
    username: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    password: str | None = None,
) -> Membership | Invitation | None:
    """Give someone a role in the shop: a new account at once; an account that exists already
    (of another shop: usernames are the platform's) only through an invitation that its owner
    accepts (returned, for the caller to e-mail after the commit). None when the username is
    taken without this e-mail address: the caller answers as for an invitation, so that no one
    learns which usernames exist."""
    if role not in Role.values:
        raise ValidationError({"role": _("Rôle inconnu.")})
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        user = User(username=username, first_name=first_name, last_name=last_name, email=email)
        if password:
            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()  # they choose one through the reset e-mail
        user.full_clean()
        user.save()
        audit_record(
            store=store,
            actor=actor,
            action="person.created",
            target=user,
            changes={"username": [None, user.username]},
        )
        return _membership_open(store=store, actor=actor, user=user, role=role)
    existing = Membership.objects.filter(store=store, user=user).first()
    if existing is not None and existing.is_active:
        raise ValidationError({"username": _("Cette personne fait déjà partie de l'épicerie.")})
    if existing is not None and email and user.email.lower() == email.lower():
        # Someone who left this very shop comes back: nothing is revealed about other shops.
        return _membership_open(store=store, actor=actor, user=user, role=role)
    if email and user.email.lower() == email.lower():
        # An account of another shop joins only if its owner accepts (the e-mailed invitation).
        audit_record(
            store=store,
            actor=actor,
            action="person.invited",
            target=user,
            changes={"role": [None, role]},
        )
        return Invitation(store=store, user=user, role=role)
    return None


def person_welcome_resend(*, membership: Membership, actor: User | None) -> None:
    """Check that the welcome e-mail may go again (the caller sends it after the commit) and
    audit it: to an active member with an e-mail address."""
    user = membership.user
    if not membership.is_active or not user.is_active:
        raise ValidationError(_("Cette personne ne fait plus partie de l'épicerie."))
    if not user.email:
        raise ValidationError(
            _("Cette personne n'a pas d'adresse e-mail : donnez-lui son mot de passe vous-même.")
        )
    audit_record(
        store=membership.store,
        actor=actor,
        action="person.welcome_resent",
        target=user,
        changes={},
    )


def _membership_open(*, store: Store, actor: User | None, user: User, role: str) -> Membership:
    membership, created = Membership.objects.get_or_create(
        store=store, user=user, defaults={"role": role}
    )
    if not created:
        membership_update(membership=membership, actor=actor, role=role, is_active=True)
    else:
        audit_record(
            store=store,
            actor=actor,
            action="membership.created",
            target=membership,
            changes={"role": [None, role]},
        )
    return membership


INVITATION_SALT = "cabas.stores.invitation"
INVITATION_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class Invitation:
    """An account of another shop asked to join `store` with `role`: sent by e-mail, signed."""

    store: Store
    user: User
    role: str

    def token(self) -> str:
        return signing.dumps(
            {"store": self.store.pk, "user": self.user.pk, "role": self.role}, salt=INVITATION_SALT
        )


def invitation_read(token: str, *, user: User) -> Invitation:
    """The invitation a token carries, for this signed-in person only; ValidationError else."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
        store = Store.objects.get(pk=data["store"], is_active=True)
        role = str(data["role"])
    except (signing.BadSignature, Store.DoesNotExist, KeyError, TypeError):
        raise ValidationError(_("Cette invitation n'est pas valable ou a expiré.")) from None
    if data.get("user") != user.pk or role not in Role.values:
        raise ValidationError(_("Cette invitation n'est pas valable ou a expiré."))
    return Invitation(store=store, user=user, role=role)


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_read(token, user=user)
    existing = Membership.objects.filter(store=invitation.store, user=user).first()
    if existing is not None and existing.is_active:
        return existing
    return _membership_open(store=invitation.store, actor=user, user=user, role=invitation.role)


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor: User | None,
    role: str | None = None,
    is_active: bool | None = None,
) -> Membership:
    # Lock the shop's memberships so two managers cannot demote each other at the same moment
    # and leave the shop with no manager.
    locked = list(
        Membership.objects.select_for_update().filter(store_id=membership.store_id).order_by("pk")
    )
    membership = next(m for m in locked if m.pk == membership.pk)
    before = snapshot_fields(membership, ("role", "is_active"))
    if role is not None:
        if role not in Role.values:
            raise ValidationError({"role": _("Rôle inconnu.")})
        membership.role = role
    if is_active is not None:
        membership.is_active = is_active
    remaining_managers = [
        m
        for m in locked
        if (m if m.pk != membership.pk else membership).is_active
        and (m if m.pk != membership.pk else membership).role == Role.MANAGER
    ]
    if not remaining_managers:
        raise ValidationError(_("L'épicerie doit garder au moins un responsable actif."))
    changes = diff_fields(membership, before, ("role", "is_active"))
    if changes:
        membership.save(update_fields=["role", "is_active", "updated_at"])
        audit_record(
            store=membership.store,
            actor=actor,
            action="membership.changed",
            target=membership,
            changes=changes,
        )
    return membership
