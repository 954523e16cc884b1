"""Writes about tills: enrolment codes, enrolment, renaming and revoking a till, cashier PINs,
the contact a till reports, and the cash sessions tills send."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from cabas.gestion.accounts.models import User
from cabas.gestion.audit.services import audit_record
from cabas.gestion.pos import keys
from cabas.gestion.pos.models import CashierProfile, CashSession, Device, EnrollmentCode
from cabas.gestion.stores.models import Membership, Store
from cabas.protocol import (
    CashSessionReport,
    CashSessionResult,
    cash_session_fingerprint,
    cash_session_outcome,
    error_info,
)
from cabas.protocol.canonical import canonical_value
from cabas.protocol.packages import setup_comment
from cabas.rules.pins import hash_pin, validate_new_pin

CODE_VALIDITY = timedelta(hours=24)
# No 0/O, 1/I/L: the code is read aloud and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_GROUPS = 3
CODE_GROUP_LENGTH = 4
TOKEN_BYTES = 32
# A till's contact is written at most this often, unless what it reports changed.
CONTACT_WRITE_INTERVAL = timedelta(seconds=30)


class EnrollmentRefused(Exception):  # noqa: N818 - carries a protocol error code
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def secret_hash(secret: str) -> str:
    """SHA-256 of a high-entropy secret (enrolment code, device token)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def code_digest(code: str) -> str:
    """HMAC-SHA256 of a normalised enrolment code with the server's key: a copy of the database
    alone (a backup, a replica) does not let anyone test codes offline, hint or not."""
    return salted_hmac(
        "cabas.pos.enrollment-code", normalize_code(code), algorithm="sha256"
    ).hexdigest()


def normalize_code(code: str) -> str:
    """The code as stored: upper case, without spaces or dashes (people type it either way)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _new_code() -> str:
    groups = [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LENGTH))
        for _ in range(CODE_GROUPS)
    ]
    return "-".join(groups)


@dataclass(frozen=True)
class NewCode:
    code: str
    """The code in clear: shown once, never stored."""
    record: EnrollmentCode


@transaction.atomic
def enrollment_code_create(*, store: Store, actor: User | None = None) -> NewCode:
    """A new single-use enrolment code for `store`, valid 24 hours."""
    code = _new_code()
    record = EnrollmentCode.objects.create(
        store=store,
        code_hash=code_digest(code),
        hint=code[:4],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=timezone.now() + CODE_VALIDITY,
    )
    audit_record(store=store, actor=actor, action="pos.code_created", target=record)
    return NewCode(code=code, record=record)


@dataclass(frozen=True)
class Enrolled:
    device: Device
    token: str
    """The bearer token in clear: given to the till once, never stored."""


@transaction.atomic
def device_enroll(*, code: str, name: str) -> Enrolled:
    """Turn an enrolment code into a till and its token; raises EnrollmentRefused with
    `code_unknown`, `code_used` or `code_expired`."""
    # Lock the code row: two tills racing with the same code must not both get a token.
    record = (
        EnrollmentCode.objects.select_for_update()
        .select_related("store")
        .filter(code_hash=code_digest(code))
        .first()
    )
    if record is None or not record.store.is_active:
        raise EnrollmentRefused("code_unknown")
    if record.used_at is not None:
        raise EnrollmentRefused("code_used")
    now = timezone.now()
    if record.expires_at <= now:
        raise EnrollmentRefused("code_expired")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    device = Device.objects.create(
        store=record.store,
        name=name.strip()[:100] or _("Caisse"),
        token_hash=secret_hash(token),
        last_seen_at=now,
    )
    record.used_at = now
    record.device = device
    record.save(update_fields=["used_at", "device"])
    audit_record(
        store=record.store,
        actor=None,
        action="pos.device_enrolled",
        target=device,
        changes={"name": [None, device.name]},
    )
    return Enrolled(device=device, token=token)


def device_for_token(token: str) -> Device | None:
    """The active till holding this bearer token, with its shop; None when unknown or revoked."""
    if not token or len(token) > 200:
        return None
    return (
        Device.objects.select_related("store")
        .filter(token_hash=secret_hash(token), revoked_at__isnull=True, store__is_active=True)
        .first()
    )


def device_record_contact(*, device: Device, version: str | None, pending: int | None) -> None:
    """Remember when a till last called and what it said about itself (one UPDATE, skipped
    when nothing changed and the last one is recent: a till calls every 10 s)."""
    now = timezone.now()
    version = (version or "")[:64] or device.last_version
    pending = device.pending_count if pending is None else pending
    recent = device.last_seen_at is not None and now - device.last_seen_at < CONTACT_WRITE_INTERVAL
    if recent and version == device.last_version and pending == device.pending_count:
        return
    Device.objects.filter(pk=device.pk).update(
        last_seen_at=now, last_version=version, pending_count=pending
    )
    device.last_seen_at, device.last_version, device.pending_count = now, version, pending


@transaction.atomic
def device_rename(*, device: Device, actor: User | None, name: str) -> Device:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Donnez un nom à la caisse.")})
    old = device.name
    device.name = name[:100]
    device.save(update_fields=["name"])
    if old != device.name:
        audit_record(
            store=device.store,
            actor=actor,
            action="pos.device_renamed",
            target=device,
            changes={"name": [old, device.name]},
        )
    return device


@transaction.atomic
def device_revoke(*, device: Device, actor: User | None) -> Device:
    """Refuse this till's token from now on (its next request gets 401)."""
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
        device.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(store=device.store, actor=actor, action="pos.device_revoked", target=device)
    return device


def _known_digits(membership: Membership) -> list[str]:
    """Numbers others can read about this person: their login, and the card of a household of
    the shop under their name (team members are often beneficiaries too)."""
    from cabas.gestion.beneficiaries.models import Household

    user = membership.user
    known = [user.username]
    if user.last_name:
        known += Household.objects.filter(
            store_id=membership.store_id,
            last_name__iexact=user.last_name,
            first_name__iexact=user.first_name,
        ).values_list("code", flat=True)
    return known


@transaction.atomic
def cashier_pin_set(
    *, membership: Membership, actor: User | None, pin: str | None
) -> CashierProfile:
    """Set (or clear, with None) a member's till PIN; only its slow salted hash is kept.

    A trivial PIN (0000, 1234, the digits of the person's household card…) is refused."""
    if pin is not None:
        try:
            validate_new_pin(pin, known_digits=_known_digits(membership))
        except ValueError as error:
            raise ValidationError({"pin": str(error)}) from error
    pin_hash = "" if pin is None else hash_pin(pin)
    profile, _created = CashierProfile.objects.get_or_create(
        membership=membership, defaults={"store_id": membership.store_id}
    )
    profile.pin_hash = pin_hash
    profile.pin_set_at = timezone.now() if pin_hash else None
    profile.save(update_fields=["pin_hash", "pin_set_at", "updated_at"])
    audit_record(
        store=membership.store,
        actor=actor,
        action="pos.pin_set" if pin_hash else "pos.pin_cleared",
        target=membership,
    )
    return profile


def _amounts(items: Any) -> dict[str, int]:
    return {item.method: item.amount_cents for item in items}


def _session_fields(device: Device, report: CashSessionReport) -> dict[str, Any]:
    members = {
        m.pk: m
        for m in Membership.objects.filter(
            store_id=device.store_id, pk__in=[report.cashier_id, report.closing_cashier_id]
        )
    }
    return {
        "state": CashSession.State.CLOSED if report.is_closed else CashSession.State.OPEN,
        "opened_at": report.opened_at,
        "closed_at": report.closed_at,
        "cashier": members.get(report.cashier_id or 0),
        "closing_cashier": members.get(report.closing_cashier_id or 0),
        "opening_float_cents": report.opening_float_cents,
        "counted": _amounts(report.counted),
        "expected": _amounts(report.expected),
        "difference_cents": report.difference_cents,
        "ticket_count": report.ticket_count,
        "note": report.note,
        "report": canonical_value(report.model_dump(mode="python")),
        "fingerprint": cash_session_fingerprint(report),
    }


def cash_session_report(*, device: Device, report: CashSessionReport) -> CashSessionResult:
    """Store a till's cash session report, idempotent by its id: insert first, and on the
    primary key's refusal decide with `cash_session_outcome` (created, duplicate, updated, or
    rejected `id_conflict`)."""
    ident = str(report.id)
    fields = _session_fields(device, report)
    try:
        with transaction.atomic():
            CashSession(id=report.id, store_id=device.store_id, device=device, **fields).save(
                force_insert=True
            )
        return CashSessionResult(id=ident, status="created")
    except IntegrityError:
        pass
    with transaction.atomic():
        # Lock the stored session: an opening and a closing report racing must not both win.
        stored = CashSession.objects.select_for_update().filter(pk=report.id).first()
        if stored is None or stored.store_id != device.store_id:
            return _conflict(ident)
        outcome = cash_session_outcome(CashSessionReport.model_validate(stored.report), report)
        if outcome == "id_conflict":
            return _conflict(ident)
        if outcome == "updated":
            for name, value in fields.items():
                setattr(stored, name, value)
            stored.save(update_fields=[*fields, "updated_at"])
        return CashSessionResult(id=ident, status=outcome)


def _conflict(ident: str) -> CashSessionResult:
    return CashSessionResult(id=ident, status="rejected", error=error_info("id_conflict"))


def download_setup(*, server_url: str, store: Store) -> bytes:
    """The signed setup written into a bundle downloaded from the Caisse page: this server's
    address and the package key (docs/protocol.md, « Réglages du fichier téléchargé »)."""
    payload = {
        "server_url": server_url,
        "package_public_key": keys.public_key_b64(),
        "store_name": store.name,
        "issued_at": timezone.now().isoformat(timespec="seconds"),
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return setup_comment(text, keys.setup_key())
