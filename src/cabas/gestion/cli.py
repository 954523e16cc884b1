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


# gunicorn's default, with %(U)s (the path) in place of %(r)s (the request line and its query).
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s'


def gunicorn_argv(args: list[str]) -> list[str]:
    """gunicorn's command line for a shop server: every limit explicit (gunicorn's defaults are
    for a generic server), each overridable from the environment; `args` (the command line of
    `cabas serve`) come last and win."""
    from cabas.gestion.env import env_int, env_str

    workers = env_int("CABAS_WORKERS", (os.cpu_count() or 1) * 2 + 1)
    argv = [
        "gunicorn",
        "--bind",
        env_str("CABAS_BIND", "127.0.0.1:8000"),
        "--workers",
        str(workers),
        # Below nginx's proxy_read_timeout (65 s): a stuck worker is killed before nginx gives up.
        "--timeout",
        str(env_int("CABAS_GUNICORN_TIMEOUT", 60)),
        "--graceful-timeout",
        str(env_int("CABAS_GUNICORN_GRACEFUL_TIMEOUT", 30)),
        # Seconds an idle connection (from nginx) is kept open.
        "--keep-alive",
        str(env_int("CABAS_GUNICORN_KEEPALIVE", 5)),
        # Worker recycling: a slow leak cannot grow forever; the jitter keeps the workers from
        # restarting all at once.
        "--max-requests",
        str(env_int("CABAS_GUNICORN_MAX_REQUESTS", 2000)),
        "--max-requests-jitter",
        str(env_int("CABAS_GUNICORN_MAX_REQUESTS_JITTER", 200)),
        # Request head limits: a snapshot cursor is under 500 characters; nothing needs more.
        "--limit-request-line",
        str(env_int("CABAS_GUNICORN_LIMIT_REQUEST_LINE", 4094)),
        "--limit-request-fields",
        str(env_int("CABAS_GUNICORN_LIMIT_REQUEST_FIELDS", 50)),
        "--limit-request-field_size",
        str(env_int("CABAS_GUNICORN_LIMIT_REQUEST_FIELD_SIZE", 8190)),
        "--access-logfile",
        "-",
        # The path without its query string: household searches carry names (docs/privacy.md).
        "--access-logformat",
        ACCESS_LOG_FORMAT,
    ]
    # The workers' heartbeat files in RAM: a slow or full disk does not get them killed.
    tmp_dir = env_str("CABAS_GUNICORN_WORKER_TMP_DIR", "/dev/shm")  # noqa: S108 - gunicorn mkstemp()s there
    if tmp_dir and os.path.isdir(tmp_dir):
        argv += ["--worker-tmp-dir", tmp_dir]
    return [*argv, *args, "cabas.gestion.wsgi:application"]


def _serve(args: list[str]) -> None:
    """Production server: gunicorn with settings from the environment, static files collected."""
    from gunicorn.app.wsgiapp import run

    sys.argv = gunicorn_argv(args)
    run()


if __name__ == "__main__":
    main()
