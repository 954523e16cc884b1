"""System checks of our own that `cabas check --deploy` runs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


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
