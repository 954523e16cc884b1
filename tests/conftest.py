"""The same people in every test: alice (manager of shop A), bob (cashier of shop A),
diane (stock manager of shop A) and charlie (manager of shop B, who must see nothing of A)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from cabas.gestion.accounts.models import User
from cabas.gestion.stores.models import Store
from cabas.gestion.stores.permissions import Role
from cabas.gestion.stores.services import person_add, store_create

PASSWORD = "correct-horse-battery-42"

# Property tests assert behaviour, not speed: on a loaded 2-core CI machine generation may be
# slow, so no deadline and no too-slow health check; CI runs a fixed sequence of examples.
hypothesis_settings.register_profile(
    "cabas",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=os.environ.get("CI", "").lower() in {"1", "true", "yes"},
)
hypothesis_settings.load_profile("cabas")


@dataclass
class World:
    store_a: Store
    store_b: Store
    alice: User
    bob: User
    diane: User
    charlie: User

    def person(self, actor: str) -> User | None:
        return {
            "manager": self.alice,
            "stock": self.diane,
            "cashier": self.bob,
            "other": self.charlie,
        }.get(actor)


def make_world() -> World:
    store_a = store_create(slug="epicerie-a", name="Épicerie A")
    store_b = store_create(slug="epicerie-b", name="Épicerie B")

    def person(store: Store, username: str, role: str, first: str) -> User:
        return person_add(
            store=store,
            actor=None,
            username=username,
            role=role,
            first_name=first,
            email=f"{username}@example.org",
            password=PASSWORD,
        ).user

    return World(
        store_a=store_a,
        store_b=store_b,
        alice=person(store_a, "alice", Role.MANAGER, "Alice"),
        bob=person(store_a, "bob", Role.CASHIER, "Bob"),
        diane=person(store_a, "diane", Role.STOCK, "Diane"),
        charlie=person(store_b, "charlie", Role.MANAGER, "Charlie"),
    )


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture
def alice_client(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world.alice)
    return client


# --- Real browser (Playwright driving Debian's Chromium) -------------------------------------

import contextlib  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

CHROMIUM = os.environ.get("CABAS_CHROMIUM", "/usr/bin/chromium")
# Screenshots and files the tests leave to be looked at (CABAS_TEST_OUTPUT: another folder, as
# CI gives each database pass its own).
OUTPUT_DIR = Path(
    os.environ.get("CABAS_TEST_OUTPUT") or Path(__file__).resolve().parents[1] / "test-output"
)
_SKIPPED_FOR_MISSING_TOOLS: dict[str, str] = {}


def require_tool(kind: str, available: bool, reason: str) -> None:
    """Skip a test whose tool is missing on a developer's machine; under CI, fail instead."""
    if available:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true: a missing tool is a failure, never a skip)")
    _SKIPPED_FOR_MISSING_TOOLS[kind] = reason
    pytest.skip(reason)


# The fixtures through which a test reaches the database (directly or through `world`...).
_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_serialized_rollback"}
# Where a test that does not ask for the database cannot reach it in another way either (the
# fault harness, for one, starts servers on DATABASE_URL in processes of their own).
_WITHOUT_SERVER = ("tests/caisse/", "tests/protocol/", "tests/rules/")


def pytest_collection_modifyitems(config, items) -> None:
    """CABAS_ENGINE_PASS=1 (the PostgreSQL and MariaDB passes of .ci/run): the till against
    its fake server, the protocol and the rules gave their answer in the SQLite pass already;
    every test that may touch the database runs again."""
    if os.environ.get("CABAS_ENGINE_PASS") != "1":
        return
    root = Path(str(config.rootpath))
    keep, drop = [], []
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        uses_db = item.get_closest_marker("django_db") is not None or bool(
            _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (drop if where.startswith(_WITHOUT_SERVER) and not uses_db else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for kind, reason in _SKIPPED_FOR_MISSING_TOOLS.items():
        terminalreporter.write_line(f"NOTE: {kind} tests were SKIPPED: {reason}", yellow=True)


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """test-output/<test name>/, emptied at the start of the test, for screenshots and files."""
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    folder = OUTPUT_DIR / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def browser_page(live_server, output_dir: Path, monkeypatch) -> Iterator[object]:
    require_tool(
        "browser",
        Path(CHROMIUM).exists(),
        f"Chromium not found at {CHROMIUM} (apt-get install chromium, or "
        "scripts/install-system-deps.sh)",
    )
    # Playwright's sync API runs an event loop in this thread; the ORM calls made here stay
    # synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.base_url = live_server.url  # type: ignore[attr-defined]
        page.shots = output_dir  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            page.screenshot(path=str(output_dir / "zz-last-page.png"), full_page=True)
            context.close()
            browser.close()


def shot(page: object, name: str) -> Path:
    path = page.shots / f"{name}.png"  # type: ignore[attr-defined]
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def sign_in(page: object, username: str, password: str = PASSWORD) -> None:
    page.goto(page.base_url + "/connexion/")  # type: ignore[attr-defined]
    page.fill("#id_username", username)  # type: ignore[attr-defined]
    page.fill("#id_password", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def pick_product(page: object, field: str, text: str, option: str = "") -> None:
    """Choose a product in a picker (core/widgets.py): type ``text`` into the field (a CSS
    selector), then click the option whose name starts with ``option`` (default ``text``)."""
    page.fill(field, text)  # type: ignore[attr-defined]
    listbox = page.locator(field).locator("xpath=..").get_by_role("listbox")  # type: ignore[attr-defined]
    listbox.get_by_role("option", name=option or text).first.click()
    page.wait_for_function(  # type: ignore[attr-defined]
        "f => document.querySelector(f).closest('[data-picker]')"
        ".querySelector('[data-picker-value]').value !== ''",
        arg=field,
    )


@pytest.fixture(autouse=True)
def _isolated_till_packages(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """No test sees the till packages of a developer's dist/ folder."""
    settings.CABAS_CAISSE_DIST_DIR = tmp_path_factory.mktemp("dist")


@contextlib.contextmanager
def statements_sent() -> Iterator[list[str]]:
    """The statements the default database's driver is given inside the block, one per
    ``execute`` (the savepoints of a test's own atomic blocks left out, and those the intake
    sends alone; several statements sent as one query count once)."""
    from django.db import connection

    sent: list[str] = []

    def wrapper(execute, sql, params, many, context):
        parts = [part.strip() for part in sql.split(";\n") if part.strip()]
        if not all(part.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for part in parts):
            sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield sent


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    """Each test starts with the per-address counters (and any other cached value) at zero."""
    from django.core.cache import cache

    cache.clear()
    yield
