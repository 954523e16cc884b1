"""The deploy checks of the tills' release key (`cabas check --deploy`): without its public half
no till could be enrolled or updated; its private half has no business on the web server."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from cabas.gestion.pos.keys import public_key_b64


@register(Tags.security, deploy=True)
def production_has_the_release_key(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
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
    return errors
