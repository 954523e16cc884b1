"""The entry point of a self-contained bundle (`cabas-caisse-<version>-<platform>.pyz`, see
docs/caisse.md): before any of the till's code runs, check that this Python can run it and has
Tk, and say so in a French message box otherwise (a double-click shows no console).

Written for old Pythons too (nothing here needs more than Python 3.6): a volunteer's computer
may have any Python, and a traceback would tell them nothing.
"""

import json
import os
import subprocess
import sys
import typing  # noqa: F401  (the type comments below: this file parses on Python 3.6)

MINIMUM = (3, 11)
TITLE = "Caisse Cabas"
PYTHON_ORG = "https://www.python.org/downloads/"
# Commands that need no window (technicians' command line): no Tk check for them.
HEADLESS = ("enroll", "sync", "status", "resend", "configure", "-h", "--help", "--version")


def _show(text):
    # type: (str) -> None
    """A message box by whatever means this computer has, and the same text on stderr."""
    if sys.stderr is not None:
        sys.stderr.write(text + "\n")
    try:
        import tkinter
        from tkinter import messagebox

        root = tkinter.Tk()
        root.withdraw()
        messagebox.showerror(TITLE, text)
        root.destroy()
        return
    except Exception:  # noqa: BLE001, S110 - no Tk, or no display: try the system's own box
        pass
    try:
        if sys.platform == "win32":
            import ctypes

            ctypes.windll.user32.MessageBoxW(None, text, TITLE, 0x10)
        elif sys.platform == "darwin":
            quoted = text.replace("\\", "\\\\").replace('"', '\\"')
            script = f'display dialog "{quoted}" with title "{TITLE}" buttons {{"OK"}}'
            subprocess.call(["osascript", "-e", script])  # noqa: S603, S607
        else:
            for command in (
                ["zenity", "--error", "--title", TITLE, "--text", text],
                ["kdialog", "--title", TITLE, "--error", text],
                ["xmessage", "-center", text],
            ):
                try:
                    subprocess.call(command)  # noqa: S603
                    return
                except OSError:
                    continue
    except Exception:  # noqa: BLE001, S110 - stderr was written above
        pass


def _info():
    # type: () -> typing.Dict[str, typing.Any]
    try:
        with open(os.path.join(os.path.dirname(__file__), "bundle.json"), encoding="utf-8") as f:
            info = json.load(f)  # type: typing.Dict[str, typing.Any]
            return info
    except (OSError, ValueError):
        return {}


def _tk_missing_text():
    # type: () -> str
    if sys.platform == "win32":
        how = (
            "Réinstallez Python depuis python.org en laissant cochée l'option "
            "« tcl/tk and IDLE » (Personnaliser l'installation)."
        )
    elif sys.platform == "darwin":
        how = "Installez Python depuis python.org : son installateur pour macOS contient Tk."
    else:
        how = (
            "Installez le paquet « python3-tk » (Debian, Ubuntu : sudo apt install python3-tk) "
            "ou demandez-le à la personne qui s'occupe de l'ordinateur."
        )
    return "La fenêtre de la caisse a besoin de Tk, absent de ce Python.\n\n" + how


def check(argv, version_info=None, tk_available=None):
    # type: (typing.Sequence[str], typing.Optional[typing.Sequence[int]], typing.Optional[bool]) -> typing.Optional[str]
    """The French message that stops the start, or None when the till can start."""
    version_info = tuple(version_info or sys.version_info[:2])
    running = f"{version_info[0]}.{version_info[1]}"
    supported = _info().get("python") or []
    if version_info[:2] < MINIMUM:
        return (
            f"Cette caisse a besoin de Python 3.11 ou plus récent ; cet ordinateur a Python "
            f"{running}.\n\nInstallez un Python récent depuis {PYTHON_ORG} (choisissez « Install "
            "for me only » : pas besoin de droits d'administrateur), puis double-cliquez à "
            "nouveau sur ce fichier."
        )
    if supported and running not in supported:
        return (
            f"Python {running} est trop récent pour cette version de la caisse (elle fonctionne "
            f"avec Python {supported[0]} à {supported[-1]}).\n\nInstallez Python "
            f"{supported[-1]} depuis {PYTHON_ORG}, puis double-cliquez à nouveau sur ce fichier."
        )
    words = [a for a in argv if not a.startswith("--data-dir")]
    headless = any(a in HEADLESS for a in words)
    if not headless:
        if tk_available is None:
            try:
                import _tkinter  # noqa: F401

                tk_available = True
            except ImportError:
                tk_available = False
        if not tk_available:
            return _tk_missing_text()
    return None


def main():
    # type: () -> int
    problem = check(sys.argv[1:])
    if problem is not None:
        _show(problem)
        return 3
    from cabas.caisse.cli import main as run

    return run()


if __name__ == "__main__":
    sys.exit(main())
