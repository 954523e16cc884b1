"""The self-contained till as a volunteer gets it: the platform bundle downloaded from the
*Caisse* page of a running server, run by a Python that has nothing but its standard library
and an empty home folder; the first-start window enrolling it under Xvfb (xdotool types the
code) and a sale reaching the server; the other platforms' bundles checked by their metadata.
Screenshots in test-output/test_bundle/ (look at them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from cabas.caisse import bundle as bundle_entry
from cabas.caisse.core.config import DataDir
from cabas.caisse.core.setup import SetupError, read_setup
from cabas.gestion.pos import keys
from cabas.gestion.pos.packages import PLATFORMS
from cabas.gestion.pos.release import (
    BUNDLE_INFO_MEMBER,
    PYTHON_VERSIONS,
    extension_modules,
    till_requirements,
)
from tests.caisse import bundles
from tests.caisse.display import screenshot, start_display

FOLDER = "test_bundle"
LINUX = "linux-x86_64"


@pytest.fixture(scope="module")
def plain_python(tmp_path_factory) -> Path:
    """A venv made with --without-pip: the standard library and nothing else."""
    folder = tmp_path_factory.mktemp("plain") / "venv"
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    probe = subprocess.run(
        [str(python), "-c", "import pydantic"], capture_output=True, env={"PATH": "/usr/bin:/bin"}
    )
    assert probe.returncode != 0, "the plain venv must not see the project's packages"
    return python


def plain_env(home: Path, **extra: str) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    env.update(extra)
    return env


def download(live_server, client, world, slug: str, target: Path) -> Path:
    """Download the page's bundle over HTTP with alice's session, as her browser would."""
    client.force_login(world.alice)
    cookie = client.cookies["sessionid"].value
    request = urllib.request.Request(
        f"{live_server.url}/caisse/telecharger/?plateforme={slug}",
        headers={"Cookie": f"sessionid={cookie}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        name = response.headers.get_filename()
        target.mkdir(parents=True, exist_ok=True)
        path = target / name
        path.write_bytes(response.read())
    return path


@pytest.fixture
def published(settings):
    return bundles.publish(Path(settings.CABAS_CAISSE_DIST_DIR), (LINUX,))


@pytest.fixture
def downloaded(live_server, client, world, published, tmp_path) -> tuple[Path, Path]:
    """An empty home folder, and the Linux bundle downloaded into its « Téléchargements »."""
    home = tmp_path / "home"
    home.mkdir()
    return home, download(live_server, client, world, LINUX, home / "Téléchargements")


def new_code(shop) -> str:
    from cabas.gestion.pos.services import enrollment_code_create

    return enrollment_code_create(store=shop.store).code


def run_bundle(python: Path, bundle: Path, *args: str, env: dict[str, str]):
    return subprocess.run(
        [str(python), str(bundle), *args], capture_output=True, text=True, env=env, timeout=120
    )


def enrol_bundle(python: Path, bundle: Path, shop, env: dict[str, str]):
    """`enroll` with a new code, the server's address coming from the download."""
    return run_bundle(python, bundle, "enroll", "--code", new_code(shop), "--no-keyring", env=env)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_downloaded_bundle_enrols_and_reports_with_the_standard_library_only(
    live_server, shop, downloaded, plain_python
):
    home, path = downloaded
    assert path.name == f"cabas-caisse-0.1.0-{LINUX}.pyz"
    env = plain_env(home)

    enrol = enrol_bundle(plain_python, path, shop, env)
    assert enrol.returncode == 0, enrol.stdout + enrol.stderr
    assert f"Caisse rattachée à « {shop.store.name} »" in enrol.stdout
    data = home / ".local" / "share" / "Cabas"
    config = json.loads((data / "config.json").read_text())
    assert config["server_url"] == live_server.url  # taken from the download's setup
    assert config["public_key"] == keys.public_key_b64()
    # The dependencies went to the user's data folder, nowhere else.
    extracted = list((data / "paquets").glob(f"{path.name}_*/site-packages/pydantic_core"))
    assert extracted, list((data / "paquets").iterdir())
    # What the bundle left out (free-threaded builds, PyYAML's C parser) is not missed: the
    # printer library and everything else import with the bundle's files alone.
    imports = "import escpos.printer, yaml, PIL.Image, cryptography.fernet, keyring, pydantic"
    probe = subprocess.run(
        [str(plain_python), "-c", imports], capture_output=True, text=True,
        env={**env, "PYTHONPATH": str(extracted[0].parent)},
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr

    # The global option after the command (docs/caisse.md).
    status = run_bundle(plain_python, path, "status", "--data-dir", str(data), env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"Épicerie : {shop.store.name} ({live_server.url})" in status.stdout
    assert "Tickets en attente : 0" in status.stdout


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_download_whose_server_address_was_altered_is_refused(
    live_server, shop, downloaded, plain_python
):
    home, path = downloaded
    with zipfile.ZipFile(path) as archive:
        comment = archive.comment
    assert read_setup(path, keys.setup_public_key_b64()).server_url == live_server.url
    forged = comment.replace(live_server.url.encode(), b"https://caisse.example.net")
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = forged
    with pytest.raises(SetupError, match="modifié après son téléchargement"):
        read_setup(path, keys.setup_public_key_b64())

    enrol = enrol_bundle(plain_python, path, shop, plain_env(home))
    assert enrol.returncode == 2
    assert "modifié après son téléchargement" in enrol.stdout
    assert not (home / ".local" / "share" / "Cabas" / "config.json").exists()


def _xdotool(*args: str, display: str) -> str:
    done = subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=60,
        env={**os.environ, "DISPLAY": display},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _wait(condition, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def display_1024():
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is missing (scripts/install-system-deps.sh installs it)")
    name, process = start_display("1024x768")
    yield name
    if process is not None:
        process.terminate()
        process.wait(10)


@pytest.mark.slow
@pytest.mark.display
@pytest.mark.django_db(transaction=True)
def test_the_first_start_window_enrols_by_typing_the_code_then_a_sale_reaches_the_server(
    shop, downloaded, plain_python, display_1024
):
    from cabas.gestion.sales.models import Ticket

    display = display_1024
    home, path = downloaded
    data = home / ".local" / "share" / "Cabas"
    # The plain venv has no Tk of its own: Tk comes with the base Python, as on python.org's.
    till = subprocess.Popen(
        [str(plain_python), str(path)],
        env=plain_env(home, DISPLAY=display, CABAS_CAISSE_KEYRING="0"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        window = _xdotool("search", "--sync", "--name", "ouverture", display=display)
        _xdotool("windowfocus", "--sync", window.splitlines()[0], display=display)
        time.sleep(0.3)
        screenshot(display, "1-premiere-ouverture-1024", FOLDER)
        _xdotool("type", "--delay", "15", new_code(shop).lower(), display=display)
        _xdotool("key", "Return", display=display)
        _wait(lambda: (data / "config.json").exists(), "the enrolment")
        time.sleep(0.5)
        screenshot(display, "2-rattachee", FOLDER)
        _xdotool("key", "space", display=display)  # « Ouvrir la caisse » has the focus

        window = _xdotool("search", "--sync", "--name", "Cabas.+caisse", display=display)
        _xdotool("windowfocus", "--sync", window.splitlines()[0], display=display)
        time.sleep(0.5)
        _xdotool("key", "Down", display=display)  # Bob, second in the list
        _xdotool("type", "--delay", "20", "2468", display=display)
        _xdotool("key", "Return", display=display)
        time.sleep(0.8)
        screenshot(display, "3-ouverture-de-caisse", FOLDER)
        _xdotool("type", "--delay", "20", "50", display=display)  # the float, 50 €
        _xdotool("key", "Return", display=display)
        time.sleep(0.5)
        code = shop.pasta.barcodes.first().code
        _xdotool("type", "--delay", "15", code, display=display)
        _xdotool("key", "Return", display=display)
        time.sleep(0.3)
        _xdotool("key", "F8", display=display)  # PAYER
        time.sleep(0.5)
        _xdotool("key", "F1", display=display)  # in cash
        _xdotool("type", "--delay", "20", "2", display=display)
        _xdotool("key", "Return", display=display)
        time.sleep(0.5)
        screenshot(display, "4-vente", FOLDER)
        _wait(lambda: Ticket.objects.filter(store=shop.store).exists(), "the ticket", 60)
        ticket = Ticket.objects.get(store=shop.store)
        assert ticket.total_cents == 150
    finally:
        till.kill()
        output = till.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in output, output
    desktop = home / "Desktop" / "caisse-cabas.desktop"
    entry = desktop.read_text()
    launcher = data / path.name
    assert launcher.exists() and f'"{plain_python}" "{launcher}"' in entry


@pytest.mark.slow
@pytest.mark.parametrize("slug", sorted(PLATFORMS))
def test_each_bundle_carries_exactly_its_platforms_wheels(slug, tmp_path):
    built = bundles.bundle(slug)
    path = bundles.CACHE / bundles._source_digest() / built.name
    platform = PLATFORMS[slug]
    with zipfile.ZipFile(path) as archive:
        info = json.loads(archive.read(f"site-packages/{BUNDLE_INFO_MEMBER}"))
        names = archive.namelist()
    assert info["platform"] == slug
    assert info["python"] == list(PYTHON_VERSIONS)
    packages = info["packages"]
    # Every requirement of the till is there, with what it needs on this platform only.
    for requirement in till_requirements():
        name = requirement.split("<")[0].split(">")[0].split("=")[0].strip().lower()
        assert name in packages, name
    needed = {"pydantic-core", "cryptography", "cffi", "pillow", "keyring", "jaraco-classes"}
    assert needed <= set(packages)
    if platform.system == "windows":
        assert "pywin32-ctypes" in packages and "secretstorage" not in packages
    elif platform.system == "linux":
        assert {"secretstorage", "jeepney"} <= set(packages)
    else:
        assert "secretstorage" not in packages and "pywin32-ctypes" not in packages
    binary = 0
    for name in needed:  # needed on every version (some others only on 3.11, by markers)
        assert set(packages[name]["tags"]) == set(PYTHON_VERSIONS), name
    for name, package in packages.items():
        for python, tags in package["tags"].items():
            for tag in tags:
                interpreter, abi, wheel_platform = tag.split("-")
                if wheel_platform == "any":
                    continue
                binary += 1
                assert wheel_platform.startswith(platform.wheel_platforms), (name, tag)
                arch = slug.split("-")[1]
                if platform.system == "macos":
                    assert wheel_platform.endswith((arch, "universal2")), (name, tag)
                elif platform.system == "linux":
                    assert wheel_platform.endswith(arch), (name, tag)
                major_minor = python.replace(".", "")
                assert interpreter == f"cp{major_minor}" or abi == "abi3", (name, tag)
    assert binary > 0
    modules = extension_modules(path)
    assert modules
    foreign = {"win_amd64", ".pyd", "darwin", "linux", "aarch64", "x86_64"} - set(
        platform.extension_marks
    )
    for module in modules:
        base = module.rsplit("/", 1)[-1]
        if platform.system == "windows":
            assert base.endswith((".pyd", ".dll")), module
            assert "linux" not in base and "darwin" not in base, module
        elif platform.system == "macos":
            assert "linux" not in base and not base.endswith(".pyd"), module
        else:
            assert "darwin" not in base and not base.endswith(".pyd"), module
    assert foreign  # the marks of the others are never those of this platform
    suffix = ".pyzw" if platform.system == "windows" else ".pyz"
    assert built.name.endswith(suffix)
    assert any(n.startswith("site-packages/cabas/caisse/") for n in names)


def test_a_python_too_old_or_without_tk_gets_a_french_message_not_a_traceback():
    too_old = bundle_entry.check([], version_info=(3, 10))
    assert "a besoin de Python 3.11 ou plus récent" in too_old
    assert "Python 3.10" in too_old
    no_tk = bundle_entry.check([], version_info=(3, 12), tk_available=False)
    assert "a besoin de Tk" in no_tk
    # The technicians' commands need no window.
    assert bundle_entry.check(["status"], version_info=(3, 12), tk_available=False) is None
    assert bundle_entry.check([], version_info=(3, 12), tk_available=True) is None


@pytest.mark.slow
def test_a_python_without_tk_is_told_so_by_the_real_bundle(tmp_path):
    debian = Path("/usr/bin/python3")
    if not debian.exists():
        pytest.skip("no system Python here")
    probe = subprocess.run([str(debian), "-c", "import tkinter"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("the system Python has Tk")
    built = bundles.bundle(LINUX)
    path = bundles.CACHE / bundles._source_digest() / built.name
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run(
        [str(debian), str(path)], capture_output=True, text=True, env=plain_env(home), timeout=120
    )
    assert done.returncode == 3
    assert "La fenêtre de la caisse a besoin de Tk" in done.stderr
    assert "python3-tk" in done.stderr
    assert "Traceback" not in done.stderr


def first_start_on_screen(screen: str, data_dir: str) -> None:
    """Run in a process of its own (an X server that goes away takes Tk's process with it):
    draw the first-start window with a long error, check that it fits, take the screenshot."""
    import tkinter as tk

    from cabas.caisse.core.setup import Setup
    from cabas.caisse.ui.enrol import FirstStart

    root = tk.Tk()
    window = FirstStart(
        DataDir(Path(data_dir)),
        setup=Setup("https://cabas.example.org", None, "Épicerie des Lilas"),
        launcher=None,
        root=root,
    )
    window.code.set("ABCD-EFGH-JKMN")
    window.message.configure(
        text="Enrôlement refusé : ce code a déjà servi ou a expiré. Demandez-en un nouveau "
        "à la personne responsable (page « Caisse » de la gestion)."
    )
    for _ in range(5):
        root.update()
        time.sleep(0.05)
    width, height = (int(v) for v in screen.split("x"))
    assert root.winfo_width() <= width and root.winfo_height() <= height
    # Every widget is inside the window, none cut at the bottom.
    bottom = window.button.winfo_rooty() + window.button.winfo_height()
    assert bottom <= root.winfo_rooty() + root.winfo_height(), (bottom, root.winfo_geometry())
    screenshot(os.environ["DISPLAY"], f"5-premiere-ouverture-{screen}", FOLDER)
    root.destroy()


@pytest.mark.display
@pytest.mark.parametrize("screen", ["1024x768", "1366x768"])
def test_the_first_start_window_fits_the_shops_screens(screen, tmp_path):
    name, process = start_display(screen)
    try:
        done = subprocess.run(
            [
                sys.executable, "-c",
                "import sys; from tests.caisse.test_bundle import first_start_on_screen as f; "
                "f(sys.argv[1], sys.argv[2])",
                screen, str(tmp_path / "data"),
            ],
            cwd=bundles.ROOT, env={**os.environ, "DISPLAY": name},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        if process is not None:
            process.terminate()
            process.wait(10)


@pytest.mark.slow
@pytest.mark.display
@pytest.mark.django_db(transaction=True)
def test_a_code_only_update_runs_with_the_bundles_dependencies(
    shop, downloaded, plain_python, tmp_path, display, settings
):
    """The bundle enrolled, the server publishes a newer code-only package built for the same
    dependencies: the bundle downloads that (not a new bundle) and its launcher starts it with
    the bundle's extracted dependencies."""
    from cabas.gestion.pos.release import build_package

    home, path = downloaded
    env = plain_env(home, DISPLAY=display, CABAS_CAISSE_KEYRING="0")
    enrol = enrol_bundle(plain_python, path, shop, env)
    assert enrol.returncode == 0, enrol.stdout
    build_package(
        source_root=bundles.SOURCE, version="99.0.0", output_dir=settings.CABAS_CAISSE_DIST_DIR
    )
    update = run_bundle(plain_python, path, "--no-start", env=env)
    assert "Version 99.0.0 installée" in update.stdout, update.stdout + update.stderr
    data = home / ".local" / "share" / "Cabas"
    assert [p.name for p in (data / "versions").iterdir()] == ["cabas-caisse-99.0.0.pyz"]

    ready = tmp_path / "ready"
    log = tmp_path / "launcher.log"
    with log.open("wb") as output:
        launcher = subprocess.Popen(
            [str(plain_python), str(path)], env={**env, "CABAS_CAISSE_READY_FILE": str(ready)},
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait(ready.exists, "the window of version 99.0.0", 90)
        time.sleep(0.2)
        assert ready.read_text() == "99.0.0"  # the installed package's window, not the launcher's
    finally:
        os.killpg(launcher.pid, 9)  # the launcher and the version it started
        launcher.wait(30)
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")
    config = json.loads((data / "config.json").read_text())
    assert config["good_version"] == "99.0.0"


@pytest.mark.display
def test_the_window_opens_at_once_when_the_server_hangs(tmp_path, display):
    """A server that accepts and never answers: the window is drawn without waiting for the
    update check or the sync (they run behind it); the transport's timeout is 20 s."""
    import socket

    from tests.caisse.fakes import enrolled_dir

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    root = tmp_path / "till"
    enrolled_dir(root)
    config = json.loads((root / "config.json").read_text())
    config["server_url"] = f"http://127.0.0.1:{listener.getsockname()[1]}"
    (root / "config.json").write_text(json.dumps(config))
    ready = tmp_path / "ready"
    env = {**os.environ, "CABAS_CAISSE_READY_FILE": str(ready), "DISPLAY": display}
    started = time.monotonic()
    till = subprocess.Popen(
        [sys.executable, "-m", "cabas.caisse", "--data-dir", str(root)], env=env
    )
    try:
        _wait(ready.exists, "the window", 15)
        assert time.monotonic() - started < 15  # well before a single request could time out
    finally:
        till.kill()
        till.wait(10)
        listener.close()
