"""System checks of our own that `cabas check --deploy` runs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured


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
    if not (settings.CABAS_PACKAGE_PUBLIC_KEY or settings.CABAS_PACKAGE_SIGNING_KEY):
        errors.append(
            Error(
                "CABAS_PACKAGE_PUBLIC_KEY is not set: tills could not be enrolled or updated.",
                hint="Set it to the base64 public half of the release key (docs/operations.md).",
                id="cabas.E003",
            )
        )
    else:
        from cabas.gestion.pos.keys import public_key_b64

        try:
            public_key_b64()
        except ImproperlyConfigured as exc:
            errors.append(Error(str(exc), id="cabas.E004"))
    if settings.CABAS_PACKAGE_SIGNING_KEY:
        errors.append(
            Warning(
                "CABAS_PACKAGE_SIGNING_KEY is set on the web server: whoever takes the server "
                "could sign till updates.",
                hint="Build releases elsewhere (make caisse) and give the web server only "
                "CABAS_PACKAGE_PUBLIC_KEY (docs/operations.md).",
                id="cabas.W001",
            )
        )
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
