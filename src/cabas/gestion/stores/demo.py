"""The demo data: two shops, `demo` and `voisine`, with their team. Idempotent.

Later parts of Cabas register their own demo loaders with `register`; `cabas demo` runs them
in order for each shop.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from cabas.gestion.accounts.models import User
from cabas.gestion.stores.models import Membership, Store
from cabas.gestion.stores.permissions import Role
from cabas.gestion.stores.services import person_add, store_create


@dataclass(frozen=True)
class DemoShop:
    slug: str
    name: str
    city: str
    postal_code: str


DEMO_SHOPS = [
    DemoShop("demo", "Épicerie solidaire du Centre", "Lyon", "69003"),
    DemoShop("voisine", "L'Épi Voisin", "Villeurbanne", "69100"),
]
ROLE_SUFFIXES = {Role.MANAGER: "responsable", Role.STOCK: "stock", Role.CASHIER: "caisse"}
ROLE_NAMES = {
    Role.MANAGER: ("Camille", "Responsable"),
    Role.STOCK: ("Sacha", "Stock"),
    Role.CASHIER: ("Dominique", "Caisse"),
}

DemoLoader = Callable[[Store, dict[str, User]], None]
_LOADERS: list[tuple[int, str, DemoLoader]] = []


def register(order: int, name: str) -> Callable[[DemoLoader], DemoLoader]:
    def decorator(loader: DemoLoader) -> DemoLoader:
        _LOADERS.append((order, name, loader))
        _LOADERS.sort(key=lambda item: item[0])
        return loader

    return decorator


def demo_load(*, password: str | None = None, log: Callable[[str], None] = print) -> str:
    """Create or complete the demo shops; returns the password of the demo users."""
    password = password or secrets.token_urlsafe(9)
    for shop in DEMO_SHOPS:
        with transaction.atomic():
            store = Store.objects.filter(slug=shop.slug).first()
            if store is None:
                store = store_create(slug=shop.slug, name=shop.name)
                store.city, store.postal_code = shop.city, shop.postal_code
                store.address, store.email = "12 rue de la Solidarité", f"{shop.slug}@example.org"
                store.save(update_fields=["city", "postal_code", "address", "email"])
            users = {}
            for role, suffix in ROLE_SUFFIXES.items():
                username = f"{shop.slug}-{suffix}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    first, last = ROLE_NAMES[role]
                    person_add(
                        store=store,
                        actor=None,
                        username=username,
                        role=role,
                        first_name=first,
                        last_name=last,
                        email=f"{username}@example.org",
                        password=password,
                    )
                    user = User.objects.get(username=username)
                else:
                    user.set_password(password)
                    user.is_active = True
                    user.save(update_fields=["password", "is_active"])
                    Membership.objects.get_or_create(
                        store=store, user=user, defaults={"role": role}
                    )
                users[suffix] = user
        for _order, name, loader in _LOADERS:
            log(f"  {shop.slug}: {name}")
            loader(store, users)
    return password
