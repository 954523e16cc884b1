"""System checks of our own that `cabas check --deploy` runs (those of the tills' release key are
pos's: cabas.gestion.pos.checks)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def csp_forbids_inline_script(app_configs: Any, **kwargs: Any) -> list[Error]:
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    script_src = directives.get("script-src") or directives.get("default-src") or []
    errors = []
    if not script_src:
        errors.append(Error("The Content-Security-Policy sets no script-src.", id="cabas.E001"))
    if any(source in ("'unsafe-inline'", "'unsafe-eval'", "*") for source in script_src):
        errors.append(
            Error("The Content-Security-Policy allows inline or foreign script.", id="cabas.E002")
        )
    return errors


# Mail that goes nowhere: password resets, set-up codes of the second factor and purchase orders
# would be lost without anyone knowing.
_NOWHERE_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(Tags.security, deploy=True)
def production_has_what_it_needs(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    if not settings.PRODUCTION:
        return []
    errors: list[CheckMessage] = []
    if settings.EMAIL_BACKEND in _NOWHERE_EMAIL_BACKENDS:
        errors.append(
            Error(
                f"CABAS_EMAIL_BACKEND is {settings.EMAIL_BACKEND}: no e-mail would leave.",
                hint="Use django.core.mail.backends.smtp.EmailBackend and the CABAS_EMAIL_* "
                "settings.",
                id="cabas.E005",
            )
        )
    return errors
