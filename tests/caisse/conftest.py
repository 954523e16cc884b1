from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cabas.caisse.core.app import TillContext
from tests.caisse.fakes import TZ, FakeServer, FakeView, enrolled_dir, make_snapshot

NOW = datetime(2026, 11, 12, 10, 30, tzinfo=ZoneInfo(TZ))


@pytest.fixture(autouse=True)
def _no_keyring(monkeypatch):
    monkeypatch.setenv("CABAS_CAISSE_KEYRING", "0")


@pytest.fixture
def server():
    return FakeServer(make_snapshot())


@pytest.fixture
def ctx(tmp_path, server):
    enrolled_dir(tmp_path / "till")
    context = TillContext.open(tmp_path / "till", transport=server, now=lambda: NOW)
    context.store.save(server.snapshot_value, fetched_at=NOW)
    return context


@pytest.fixture
def view():
    return FakeView()


@pytest.fixture
def till(ctx, view):
    till = ctx.till(view, now=lambda: NOW)
    assert till.sign_in(7, "1234")
    return till


@pytest.fixture(scope="session")
def display():
    """One X display for every window test of the run: Tk keeps its connections to a display
    for the life of the process, so a second Xvfb after the first one stopped would make
    Xlib end the test process."""
    import os

    from tests.caisse.display import start_display

    name, process = start_display()
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = name
    yield name
    if previous is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = previous
    if process is not None:
        process.terminate()
        process.wait(10)


# The project's real server for the till (pytest-django's live_server), with a cashier (bob,
# PIN 2468) and a few products and a household in shop A.
@pytest.fixture
def shop(world, live_server, settings):
    from cabas.gestion.pos.services import cashier_pin_set
    from tests.gestion.sales.conftest import make_shop

    settings.ALLOWED_HOSTS = ["*"]
    membership = world.store_a.memberships.get(user=world.bob)
    cashier_pin_set(membership=membership, actor=world.alice, pin="2468")
    return make_shop(world.store_a, membership.pk)
