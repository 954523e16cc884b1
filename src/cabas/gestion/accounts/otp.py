"""Two-factor authentication with TOTP (django-otp): enrolment and verification."""

from __future__ import annotations

import base64
import io
import re
import secrets
from datetime import datetime, timedelta

import qrcode
import qrcode.image.svg
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabas.gestion.accounts.models import RecoveryCode, User
from cabas.gestion.stores.models import Membership, Store

DEVICE_NAME = "Application d'authentification"


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one per person), created on first ask."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


# Setting up a first authenticator needs more than the password: a code sent to the account's
# e-mail address, so that a password thief cannot bind their own phone to the account.
SETUP_SESSION_KEY = "cabas_otp_setup"
SETUP_CODE_MINUTES = 30
SETUP_CODE_TRIES = 5


def manual_key(device: TOTPDevice) -> str:
    """The secret as authenticator apps accept it typed by hand: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _digest(code: str) -> str:
    return salted_hmac("cabas.otp.setup", code).hexdigest()


def setup_code_send(*, request: HttpRequest, user: User) -> None:
    """E-mail a fresh single-use code to the person and remember its digest in the session."""
    code = f"{secrets.randbelow(10**8):08d}"
    expires = timezone.now() + timedelta(minutes=SETUP_CODE_MINUTES)
    request.session[SETUP_SESSION_KEY] = {
        "digest": _digest(code),
        "expires": expires.isoformat(),
        "tries": 0,
    }
    context = {"user": user, "code": code, "minutes": SETUP_CODE_MINUTES}
    send_mail(
        subject=render_to_string("accounts/otp_setup_subject.txt", context).strip(),
        message=render_to_string("accounts/otp_setup_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )


def setup_code_pending(request: HttpRequest) -> bool:
    state = request.session.get(SETUP_SESSION_KEY)
    return state is not None and datetime.fromisoformat(state["expires"]) > timezone.now()


def setup_code_check(request: HttpRequest, code: str) -> bool:
    """Whether `code` is the one e-mailed; five wrong tries or the delay spend it."""
    state = request.session.get(SETUP_SESSION_KEY)
    if not state or datetime.fromisoformat(state["expires"]) <= timezone.now():
        return False
    if constant_time_compare(state["digest"], _digest(code.strip())):
        return True
    state["tries"] += 1
    if state["tries"] >= SETUP_CODE_TRIES:
        del request.session[SETUP_SESSION_KEY]
    else:
        request.session[SETUP_SESSION_KEY] = state
    return False


def setup_code_spend(request: HttpRequest) -> None:
    request.session.pop(SETUP_SESSION_KEY, None)


def email_hint(email: str) -> str:
    """The address the code went to, partly hidden: «a•••@example.org»."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


# -- recovery codes ------------------------------------------------------------------------------
# Ten codes of eight letters and digits, without the look-alikes (0/O, 1/I/L), written «ab3d-7kfm»:
# about 40 bits each, tried no faster than the authenticator's codes (the same throttle).
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_RE = re.compile(r"^[a-z0-9]{4}-?[a-z0-9]{4}$")


def _recovery_digest(code: str) -> str:
    return salted_hmac("cabas.otp.recovery", code, algorithm="sha256").hexdigest()


def recovery_code_normal(typed: str) -> str | None:
    """The code as stored («ab3d7kfm»), or None when `typed` cannot be a recovery code."""
    text = typed.strip().casefold().replace(" ", "")
    if not _RECOVERY_RE.match(text):
        return None
    return text.replace("-", "")


def recovery_codes_issue(*, user: User) -> list[str]:
    """New recovery codes for `user`, replacing the old ones; returned once, to be shown once."""
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(8))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, digest=_recovery_digest(code)) for code in codes
        )
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def recovery_code_spend(*, user: User, typed: str) -> bool:
    """Whether `typed` is one of the person's unused codes; a code that matches is spent."""
    code = recovery_code_normal(typed)
    if code is None:
        return False
    # The UPDATE with `used_at IS NULL` spends the code once, even for two sign-ins at once.
    spent = RecoveryCode.objects.filter(
        user=user, digest=_recovery_digest(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return spent == 1


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# -- who must use a second factor ----------------------------------------------------------------


MANDATORY_MESSAGE = gettext_lazy(
    "Votre épicerie demande la double authentification : elle ne peut pas être désactivée."
)


def stores_requiring(user: User) -> list[Store]:
    """The shops, among the person's active memberships, that ask for a second factor."""
    return [
        membership.store
        for membership in Membership.objects.filter(
            user=user, is_active=True, store__require_2fa=True
        ).select_related("store")
    ]


def second_factor_mandatory(user: User) -> bool:
    """Whether the person may not switch the second factor off: a shop asks, or they are staff
    (the platform's admin always asks)."""
    return user.is_staff or bool(stores_requiring(user))
