"""Writes about accounts that are not about a shop."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabas.gestion.accounts import otp
from cabas.gestion.accounts.models import RecoveryCode, User
from cabas.gestion.audit.services import audit_record
from cabas.gestion.stores.models import Membership, Store


def account_send_welcome(*, user: User, request: HttpRequest, store: object) -> None:
    """E-mail a new person a link to choose their password (after the commit that created them)."""
    if not user.email:
        return
    site = get_current_site(request)
    context = {
        "email": user.email,
        "domain": site.domain,
        "site_name": site.name,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request.is_secure() else "http",
        "store": store,
    }

    def send() -> None:
        PasswordResetForm().send_mail(
            "accounts/welcome_subject.txt",
            "accounts/welcome_email.txt",
            context,
            None,
            user.email,
        )

    transaction.on_commit(send)


def invitation_send(*, invitation: Any, request: HttpRequest) -> None:
    """E-mail an existing account the link that makes it join another shop (after the commit)."""
    user = invitation.user
    if not user.email:
        return
    site = get_current_site(request)
    context = {
        "user": user,
        "store": invitation.store,
        "link": request.build_absolute_uri(
            reverse("stores:invitation", kwargs={"token": invitation.token()})
        ),
        "site_name": site.name,
    }

    def send() -> None:
        send_mail(
            subject=render_to_string("accounts/invitation_subject.txt", context).strip(),
            message=render_to_string("accounts/invitation_email.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )

    transaction.on_commit(send)


# -- the second factor ---------------------------------------------------------------------------


def second_factor_confirm(*, user: User, device: TOTPDevice, store: Store | None) -> list[str]:
    """Turn the person's new authenticator on; returns their recovery codes, to be shown once."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = otp.recovery_codes_issue(user=user)
        audit_record(store=store, actor=user, action="accounts.otp_enabled", target=user)
    return codes


def recovery_codes_renew(*, user: User, store: Store | None) -> list[str]:
    """A new set of recovery codes (the old ones stop working), to be shown once."""
    with transaction.atomic():
        codes = otp.recovery_codes_issue(user=user)
        audit_record(store=store, actor=user, action="accounts.recovery_codes_renewed", target=user)
    return codes


def recovery_code_use(*, user: User, typed: str, store: Store | None) -> bool:
    """Spend one of the person's recovery codes in place of the app's code (audited)."""
    with transaction.atomic():
        if not otp.recovery_code_spend(user=user, typed=typed):
            return False
        audit_record(store=store, actor=user, action="accounts.recovery_code_used", target=user)
    return True


def _second_factor_remove(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()


def second_factor_disable(*, user: User, store: Store | None) -> None:
    """The person switches their own second factor off, where no shop of theirs asks for it."""
    if otp.second_factor_mandatory(user):
        raise ValidationError(otp.MANDATORY_MESSAGE)
    with transaction.atomic():
        _second_factor_remove(user)
        audit_record(store=store, actor=user, action="accounts.otp_disabled", target=user)


def second_factor_reset(*, membership: Membership, actor: User) -> None:
    """A manager removes a member's authenticator and recovery codes (a lost phone): the person
    sets up a new one at the next sign-in if the shop asks for it."""
    user = membership.user
    if user.pk == actor.pk:
        raise ValidationError(_("Pour votre propre compte, passez par «\u00a0Mon compte\u00a0»."))
    if not TOTPDevice.objects.filter(user=user).exists():
        raise ValidationError(_("Cette personne n'a pas de double authentification."))
    with transaction.atomic():
        _second_factor_remove(user)
        audit_record(store=membership.store, actor=actor, action="accounts.otp_reset", target=user)
