from __future__ import annotations

from tests.gestion.matrix import (
    EVERY_ROLE,
    MANAGER_ONLY,
    PUBLIC,
    Row,
    answers,
    object_of_shop_a,
)

ROWS = [
    Row("stores:choose", EVERY_ROLE),
    Row("stores:settings", MANAGER_ONLY),
    Row("stores:people", MANAGER_ONLY),
    Row("stores:person_add", MANAGER_ONLY),
    Row("stores:audit_log", MANAGER_ONLY),
    # No logo uploaded in the test shops: 404 for everyone signed in.
    Row("stores:logo", answers(manager=404, stock=404, cashier=404, other=404)),
    Row(
        "stores:person_edit",
        object_of_shop_a(MANAGER_ONLY),
        kwargs=lambda w: {"membership_id": w.store_a.memberships.get(user=w.bob).pk},
    ),
    Row(
        "stores:person_welcome_resend",
        object_of_shop_a(answers(manager=302, stock=403, cashier=403, other=404)),
        kwargs=lambda w: {"membership_id": w.store_a.memberships.get(user=w.bob).pk},
        method="post",
    ),
    Row(
        "stores:person_second_factor_reset",
        object_of_shop_a(answers(manager=302, stock=403, cashier=403, other=404)),
        kwargs=lambda w: {"membership_id": w.store_a.memberships.get(user=w.bob).pk},
        method="post",
    ),
    # An invitation link that is not one: signed in or not, nobody joins anything.
    Row(
        "stores:invitation",
        answers(manager=400, stock=400, cashier=400, other=400),
        kwargs=lambda w: {"token": "not-a-signed-invitation"},
    ),
    # Sign-in pages: open to all; a signed-in person is sent on from the login page.
    Row("accounts:login", answers(anonymous=200, manager=302, stock=302, cashier=302, other=302)),
    Row(
        "accounts:logout",
        answers(anonymous=302, manager=302, stock=302, cashier=302, other=302),
        method="post",
    ),
    Row("accounts:otp", EVERY_ROLE),
    Row("accounts:account", EVERY_ROLE),
    # Without an authenticator there are no codes to show and nothing to switch off.
    Row(
        "accounts:recovery_codes",
        answers(manager=302, stock=302, cashier=302, other=302),
    ),
    Row(
        "accounts:otp_disable",
        answers(manager=302, stock=302, cashier=302, other=302),
        method="post",
    ),
    Row("accounts:password_change", EVERY_ROLE),
    Row("accounts:password_change_done", EVERY_ROLE),
    Row("accounts:password_reset", PUBLIC),
    Row("accounts:password_reset_done", PUBLIC),
    Row(
        "accounts:password_reset_confirm",
        PUBLIC,
        kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"},
    ),
    Row("accounts:password_reset_complete", PUBLIC),
]
