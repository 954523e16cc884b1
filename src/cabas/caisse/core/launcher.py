"""The launcher: the file a volunteer double-clicks starts the newest installed version that
can run here, sees whether it opened its window, and falls back on the previous one when it did
not (docs/caisse.md, « Mises à jour »).

A version has started when its window has been drawn: it then writes the file named by
`READY_ENV`. A version that exits before that, or shows nothing within `START_TIMEOUT_SECONDS`,
is broken: the launcher says so, marks it and starts the previous version.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cabas.caisse.core.config import DataDir, TillConfig
from cabas.caisse.core.runtime import Runtime, archive_info, dependencies_dir
from cabas.caisse.core.updater import Updater, installed_path, version_key

READY_ENV = "CABAS_CAISSE_READY_FILE"
START_TIMEOUT_SECONDS = 90.0


@dataclass(frozen=True)
class Candidate:
    version: str
    path: Path
    is_bundle: bool


def candidates(data: DataDir, config: TillConfig, runtime: Runtime) -> list[Candidate]:
    """Installed versions newer than the running one that can run here, newest first: a
    bundle of this platform, or a code package built for the dependencies this till has."""
    found: dict[str, Candidate] = {}
    for version in (config.installed_version, config.good_version, config.previous_version):
        if not version or version in found or version in config.broken_versions:
            continue
        try:
            if version_key(version) <= version_key(runtime.version):
                continue
        except ValueError:
            continue
        path = installed_path(data, config, version)
        if path is None:
            continue
        info = archive_info(path)
        platform = info.get("platform")
        if platform:
            if platform != runtime.platform:
                continue
            found[version] = Candidate(version, path, True)
        elif runtime.dependencies is None or info.get("dependencies") == runtime.dependencies:
            found[version] = Candidate(version, path, False)
    return sorted(found.values(), key=lambda c: version_key(c.version), reverse=True)


def command_for(candidate: Candidate, data: DataDir, notice: str) -> list[str]:
    command = [sys.executable, str(candidate.path), "--data-dir", str(data.root)]
    if not candidate.is_bundle:
        command.append("window")
    if notice:
        command += ["--notice", notice]
    return command


def start(
    candidate: Candidate,
    data: DataDir,
    notice: str,
    *,
    timeout: float = START_TIMEOUT_SECONDS,
    run: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen,
    on_ready: Callable[[], None] | None = None,
) -> int | None:
    """Run `candidate` until it exits; its exit status, or None when it failed to start.
    `on_ready` is called as soon as its window is up."""
    env = dict(os.environ)
    if not candidate.is_bundle:
        # A code package brings no dependencies: it runs with this till's.
        extra = str(dependencies_dir())
        env["PYTHONPATH"] = os.pathsep.join(p for p in (extra, env.get("PYTHONPATH")) if p)
    handle, ready_name = tempfile.mkstemp(prefix="pret-", dir=data.root)
    os.close(handle)
    ready = Path(ready_name)
    ready.unlink()
    env[READY_ENV] = str(ready)
    try:
        process = run(command_for(candidate, data, notice), env=env)
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if process.poll() is not None:
                if not ready.exists():
                    return None
                break
            if time.monotonic() > deadline:
                process.kill()
                process.wait()
                return None
            time.sleep(0.05)
        # A launcher started by a launcher (a newer bundle) passes the news on.
        signal_ready(candidate.version)
        if on_ready is not None:
            on_ready()
        return process.wait()
    finally:
        with contextlib.suppress(OSError):
            ready.unlink()


def signal_ready(version: str) -> None:
    """Tell the launcher that this version's window is up (nothing when started directly)."""
    target = os.environ.get(READY_ENV)
    if not target:
        return
    with contextlib.suppress(OSError):
        Path(target).write_text(version, encoding="utf-8")


def launch_newest(
    data: DataDir,
    config: TillConfig,
    runtime: Runtime,
    updater: Updater,
    notice: str,
    own_window: Callable[[str], int],
    say: Callable[[str], None],
) -> int:
    """Start the newest runnable installed version, falling back version by version, and
    finally on the window of the running code itself."""
    for candidate in candidates(data, config, runtime):

        def started(candidate: Candidate = candidate) -> None:
            updater.mark_started(candidate.version, candidate.path)

        code = start(candidate, data, notice, on_ready=started)
        if code is not None:
            return code
        updater.mark_broken(candidate.version)
        notice = (
            f"La version {candidate.version} n'a pas pu démarrer : la version précédente a "
            "été ouverte à sa place."
        )
        say(notice)
    return own_window(notice)
