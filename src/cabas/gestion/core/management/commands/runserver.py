"""`cabas runserver` (what `make run` starts) speaking French: the address to open, how to stop,
and that this server is for trying Cabas, not for a shop (docs/operations.md)."""

from __future__ import annotations

import sys
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from whitenoise.runserver_nostatic.management.commands.runserver import (
    Command as WhiteNoiseRunserver,
)


class Command(WhiteNoiseRunserver):
    def inner_run(self, *args: Any, **options: Any) -> None:
        if not options["skip_checks"]:
            # Django's own banner says "Performing system checks..." in English.
            self.check(display_num_errors=False)
            options = {**options, "skip_checks": True}
        super().inner_run(*args, **options)

    def check_migrations(self) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        waiting = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        if waiting:
            self.stdout.write(
                self.style.NOTICE(
                    ngettext(
                        "%(count)d migration de la base n'est pas appliquée : lancez "
                        "« cabas migrate » (make run le fait).",
                        "%(count)d migrations de la base ne sont pas appliquées : lancez "
                        "« cabas migrate » (make run le fait).",
                        waiting,
                    )
                    % {"count": waiting}
                )
            )

    def on_bind(self, server_port: int) -> None:
        addr = self.addr
        if self._raw_ipv6:
            addr = f"[{addr}]"
        elif addr == "0":  # Django's shorthand for every interface
            addr = "0.0.0.0"  # noqa: S104
        stop = "Ctrl+Pause" if sys.platform == "win32" else "Ctrl+C"
        self.stdout.write(
            _("La gestion : %(url)s  (%(stop)s pour arrêter)")
            % {"url": f"{self.protocol}://{addr}:{server_port}/", "stop": stop}
        )
        self.stdout.write(
            _(
                "Serveur d'essai : pour une épicerie en service, suivez docs/operations.md "
                "(gunicorn derrière un serveur web)."
            )
        )
