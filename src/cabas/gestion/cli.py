"""The `cabas` command: Django's manage.py, plus `cabas serve` (gunicorn)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabas.gestion.settings")
    if len(argv) > 1 and argv[1] == "serve":
        _serve(argv[2:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


def _serve(args: list[str]) -> None:
    """Production server: gunicorn with settings from the environment, static files collected."""
    from gunicorn.app.wsgiapp import run

    bind = os.environ.get("CABAS_BIND", "127.0.0.1:8000")
    workers = os.environ.get("CABAS_WORKERS", str((os.cpu_count() or 1) * 2 + 1))
    sys.argv = [
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        workers,
        "--access-logfile",
        "-",
        *args,
        "cabas.gestion.wsgi:application",
    ]
    run()


if __name__ == "__main__":
    main()
