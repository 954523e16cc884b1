"""Writes about accounts that are not about a shop."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cabas.gestion.accounts.models import User


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
