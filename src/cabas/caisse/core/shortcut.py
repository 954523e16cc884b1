"""After the first start: the launcher is copied into the till's data folder (the download may
be deleted from « Téléchargements ») and a shortcut to it is put on the desktop, as the
original product's launcher was: a ``.lnk`` on Windows (a ``.url`` if PowerShell is missing), a
``.command`` on macOS, a ``.desktop`` entry on Linux."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from cabas.caisse.core.config import DataDir
from cabas.caisse.core.fsutil import fsync_dir, temp_path_for

SHORTCUT_NAME = "Caisse Cabas"


def install_launcher(data: DataDir, source: Path) -> Path:
    """A copy of the downloaded file in the data folder (crash-safe); the shortcut points
    there. The file keeps its name, so that its extracted dependencies are found again."""
    target = data.root / source.name
    if source.resolve() == target.resolve():
        return target
    temporary = temp_path_for(target)
    shutil.copyfile(source, temporary)
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    fsync_dir(target.parent)
    return target


def desktop_folder(home: Path | None = None, platform: str = sys.platform) -> Path:
    """The person's desktop: XDG's name for it on Linux (« Bureau » in French), else Desktop."""
    home = home or Path.home()
    if platform.startswith("linux"):
        dirs = home / ".config" / "user-dirs.dirs"
        with contextlib.suppress(OSError):
            match = re.search(r'^XDG_DESKTOP_DIR="([^"]+)"', dirs.read_text("utf-8"), re.M)
            if match:
                return Path(match.group(1).replace("$HOME", str(home)))
        for name in ("Bureau", "Desktop"):
            if (home / name).is_dir():
                return home / name
    return home / "Desktop"


def windowed_python(python: Path) -> Path:
    """pythonw.exe beside python.exe on Windows: no console window behind the till."""
    candidate = python.with_name("pythonw.exe")
    return candidate if candidate.exists() else python


def _write_executable(path: Path, text: str) -> None:
    temporary = temp_path_for(path)
    temporary.write_text(text, encoding="utf-8")
    temporary.chmod(0o755)
    os.replace(temporary, path)


def create_shortcut(
    launcher: Path, *, python: Path | None = None, desktop: Path | None = None,
    platform: str = sys.platform,
) -> Path:  # fmt: skip
    """Put a shortcut to `launcher` on the desktop; its path. OSError when it cannot."""
    python = python or Path(sys.executable)
    desktop = desktop or desktop_folder(platform=platform)
    desktop.mkdir(parents=True, exist_ok=True)
    if platform == "win32":
        return _windows_shortcut(launcher, windowed_python(python), desktop)
    if platform == "darwin":
        path = desktop / f"{SHORTCUT_NAME}.command"
        _write_executable(path, f'#!/bin/sh\nexec "{python}" "{launcher}"\n')
        return path
    path = desktop / "caisse-cabas.desktop"
    entry = (
        "[Desktop Entry]\nType=Application\nVersion=1.0\n"
        f"Name={SHORTCUT_NAME}\nComment=La caisse de l'épicerie\n"
        f'Exec="{python}" "{launcher}"\nTerminal=false\nCategories=Office;\n'
    )
    _write_executable(path, entry)
    # GNOME starts a desktop entry only once it is marked trusted.
    if shutil.which("gio"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(  # noqa: S603
                ["gio", "set", str(path), "metadata::trusted", "true"],  # noqa: S607
                capture_output=True,
                timeout=5,
            )
    return path


def _windows_shortcut(launcher: Path, pythonw: Path, desktop: Path) -> Path:
    link = desktop / f"{SHORTCUT_NAME}.lnk"
    script = (
        "$s = (New-Object -ComObject WScript.Shell).CreateShortcut($env:CABAS_LINK); "
        "$s.TargetPath = $env:CABAS_TARGET; $s.Arguments = '\"' + $env:CABAS_FILE + '\"'; "
        "$s.WorkingDirectory = $env:CABAS_DIR; $s.Save()"
    )
    env = {
        **os.environ,
        "CABAS_LINK": str(link),
        "CABAS_TARGET": str(pythonw),
        "CABAS_FILE": str(launcher),
        "CABAS_DIR": str(launcher.parent),
    }
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(  # noqa: S603
            ["powershell", "-NoProfile", "-NonInteractive", "-Command", script],  # noqa: S607
            env=env,
            capture_output=True,
            timeout=30,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
        if done.returncode == 0 and link.exists():
            return link
    # Without PowerShell: an Internet shortcut to the file opens it with its program (pyw).
    path = desktop / f"{SHORTCUT_NAME}.url"
    _write_executable(path, f"[InternetShortcut]\r\nURL={launcher.as_uri()}\r\n")
    return path
