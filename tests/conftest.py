"""The same people in every test: alice (manager of shop A), bob (cashier of shop A),
diane (stock manager of shop A) and charlie (manager of shop B, who must see nothing of A)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cabas.gestion.accounts.models import User
from cabas.gestion.stores.models import Store
from cabas.gestion.stores.permissions import Role
from cabas.gestion.stores.services import person_add, store_create

PASSWORD = "correct-horse-battery-42"


@dataclass
class World:
    store_a: Store
    store_b: Store
    alice: User
    bob: User
    diane: User
    charlie: User

    def person(self, actor: str) -> User | None:
        return {"manager": self.alice, "stock": self.diane, "cashier": self.bob,
                "other": self.charlie}.get(actor)


def make_world() -> World:
    store_a = store_create(slug="epicerie-a", name="Épicerie A")
    store_b = store_create(slug="epicerie-b", name="Épicerie B")

    def person(store: Store, username: str, role: str, first: str) -> User:
        return person_add(store=store, actor=None, username=username, role=role,
                          first_name=first, email=f"{username}@example.org",
                          password=PASSWORD).user

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


@pytest.fixture(autouse=True)
def _isolated_till_packages(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """No test sees the till packages of a developer's dist/ folder."""
    settings.CABAS_CAISSE_DIST_DIR = tmp_path_factory.mktemp("dist")
