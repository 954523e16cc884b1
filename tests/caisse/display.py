"""An X display for the Tk tests: the one in DISPLAY, else an Xvfb started here. Without
one the test is skipped, except under CI=true where it fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
# The small screen of the shops' old PCs: the whole window must fit and stay readable there.
SCREEN = os.environ.get("CABAS_TEST_SCREEN", "1366x768")


def no_display(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the Tk window test must run in CI)")
    pytest.skip(reason)


def start_display(screen: str | None = None) -> tuple[str, subprocess.Popen[bytes] | None]:
    """The X display to use: DISPLAY if set, else a new Xvfb; a new Xvfb of `screen` (WxH)
    when a size is asked for."""
    if os.environ.get("DISPLAY") and screen is None:
        return os.environ["DISPLAY"], None
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        no_display("no DISPLAY and no Xvfb: install xvfb (the project's .ci/run does)")
    for number in range(91, 120):
        if Path(f"/tmp/.X{number}-lock").exists():
            continue
        display = f":{number}"
        process = subprocess.Popen(
            [xvfb, display, "-screen", "0", (screen or SCREEN) + "x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                return display, process
            if process.poll() is not None:
                break
            time.sleep(0.1)
        process.kill()
    no_display("Xvfb did not start")
    raise AssertionError("unreachable")


def screenshot(display: str, name: str, folder: str) -> Path | None:
    """Save the whole screen as test-output/<folder>/<name>.png."""
    target = OUTPUT / folder
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"{name}.png"
    tool = shutil.which("import")
    if tool is None:
        return None
    subprocess.run(
        [tool, "-display", display, "-window", "root", str(path)],
        check=True,
        timeout=30,
        env={**os.environ, "DISPLAY": display},
    )
    return path
