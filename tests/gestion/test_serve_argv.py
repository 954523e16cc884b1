"""`cabas serve`: gunicorn's command line has every limit explicit and overridable."""

from __future__ import annotations

import os

import pytest
from django.core.exceptions import ImproperlyConfigured

from cabas.gestion.cli import gunicorn_argv


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_defaults_are_set_for_a_shop_server(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CABAS_GUNICORN_") or name in {"CABAS_BIND", "CABAS_WORKERS"}:
            monkeypatch.delenv(name)
    argv = gunicorn_argv([])
    assert argv[0] == "gunicorn"
    assert argv[-1] == "cabas.gestion.wsgi:application"
    assert _option(argv, "--bind") == "127.0.0.1:8000"
    assert int(_option(argv, "--workers")) >= 3
    assert _option(argv, "--timeout") == "60"  # below nginx's proxy_read_timeout 65 s
    assert _option(argv, "--graceful-timeout") == "30"
    assert _option(argv, "--keep-alive") == "5"
    assert _option(argv, "--max-requests") == "2000"
    assert _option(argv, "--max-requests-jitter") == "200"
    assert _option(argv, "--limit-request-line") == "4094"
    assert _option(argv, "--limit-request-fields") == "50"
    assert _option(argv, "--limit-request-field_size") == "8190"
    if os.path.isdir("/dev/shm"):
        assert _option(argv, "--worker-tmp-dir") == "/dev/shm"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CABAS_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("CABAS_WORKERS", "4")
    monkeypatch.setenv("CABAS_GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("CABAS_GUNICORN_MAX_REQUESTS", "0")
    monkeypatch.setenv("CABAS_GUNICORN_LIMIT_REQUEST_FIELDS", "30")
    monkeypatch.setenv("CABAS_GUNICORN_WORKER_TMP_DIR", str(tmp_path))
    argv = gunicorn_argv([])
    assert _option(argv, "--bind") == "0.0.0.0:9000"
    assert _option(argv, "--workers") == "4"
    assert _option(argv, "--timeout") == "45"
    assert _option(argv, "--max-requests") == "0"
    assert _option(argv, "--limit-request-fields") == "30"
    assert _option(argv, "--worker-tmp-dir") == str(tmp_path)


def test_a_missing_tmp_dir_is_left_to_gunicorn(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CABAS_GUNICORN_WORKER_TMP_DIR", str(tmp_path / "absent"))
    assert "--worker-tmp-dir" not in gunicorn_argv([])


def test_an_empty_workers_setting_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CABAS_WORKERS", "")  # as .env.example ships it
    assert int(_option(gunicorn_argv([]), "--workers")) >= 3


def test_command_line_arguments_come_last_and_win(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = gunicorn_argv(["--timeout", "30"])
    assert argv[-3:] == ["--timeout", "30", "cabas.gestion.wsgi:application"]


def test_a_bad_value_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CABAS_GUNICORN_TIMEOUT", "soon")
    with pytest.raises(ImproperlyConfigured, match="CABAS_GUNICORN_TIMEOUT"):
        gunicorn_argv([])


def test_the_access_log_keeps_no_query_string(monkeypatch: pytest.MonkeyPatch) -> None:
    # Household searches are GET ?q=<name>: the log writes the path alone (docs/privacy.md).
    argv = gunicorn_argv([])
    log_format = _option(argv, "--access-logformat")
    assert "%(U)s" in log_format
    for atom in ("%(r)s", "%(q)s", "%(f)s", "%({raw_uri}e)s"):
        assert atom not in log_format
