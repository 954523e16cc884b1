"""With production settings, `cabas check --deploy` has nothing to report."""

from __future__ import annotations

import base64
import os
import subprocess
import sys


def _check(extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CABAS_", "DATABASE_", "DJANGO_"))
    }
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "-m", "cabas.gestion.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


PRODUCTION = {
    "CABAS_ENV": "production",
    "CABAS_SECRET_KEY": "k2P-9vQz_Lm4xR7tW1nB8cY3dF6gH0jS5aE-uIoZ_wqXyTr2-Nv8",
    "CABAS_ALLOWED_HOSTS": "cabas.example.org",
    # The web server has the release key's public half only (docs/operations.md).
    "CABAS_PACKAGE_PUBLIC_KEY": base64.b64encode(bytes(range(32))).decode(),
    "CABAS_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}


def test_production_settings_pass_the_deploy_check(tmp_path) -> None:
    result = _check(PRODUCTION | {"CABAS_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_the_package_key_fails_the_deploy_check(tmp_path) -> None:
    env = PRODUCTION | {"CABAS_VAR_DIR": str(tmp_path)}
    del env["CABAS_PACKAGE_PUBLIC_KEY"]
    result = _check(env)
    assert result.returncode != 0
    assert "cabas.E003" in result.stderr + result.stdout


def test_production_with_a_malformed_package_key_fails_the_deploy_check(tmp_path) -> None:
    result = _check(PRODUCTION | {"CABAS_VAR_DIR": str(tmp_path), "CABAS_PACKAGE_PUBLIC_KEY": "x"})
    assert result.returncode != 0
    assert "cabas.E004" in result.stderr + result.stdout


def test_the_release_key_on_the_web_server_is_warned_about(tmp_path) -> None:
    key = base64.b64encode(bytes(range(1, 33))).decode()
    result = _check(PRODUCTION | {"CABAS_VAR_DIR": str(tmp_path), "CABAS_PACKAGE_SIGNING_KEY": key})
    assert result.returncode != 0  # --fail-level WARNING
    assert "cabas.W001" in result.stderr + result.stdout


def test_production_with_mail_that_goes_nowhere_fails_the_deploy_check(tmp_path) -> None:
    console = "django.core.mail.backends.console.EmailBackend"
    result = _check(PRODUCTION | {"CABAS_VAR_DIR": str(tmp_path), "CABAS_EMAIL_BACKEND": console})
    assert result.returncode != 0
    assert "cabas.E005" in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_real_secret(tmp_path) -> None:
    result = _check({"CABAS_ENV": "production", "CABAS_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "CABAS_SECRET_KEY" in result.stderr


def test_a_bad_boolean_in_the_environment_fails_loudly(tmp_path) -> None:
    result = _check({"CABAS_DEBUG": "peut-être", "CABAS_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "CABAS_DEBUG must be a boolean" in result.stderr
