"""Attack surface of la gestion's pages, for every URL of the project (generic: a new page is
covered as soon as it has its row in the permission matrix).

- IDOR: every page addressed by an object id (an `int` or `uuid` in its URL) answers another
  shop's manager, by GET and by POST alike, exactly as it answers for an id that does not exist
  (404, or the same redirection for idempotent actions such as "delete": "already deleted"),
  so he learns nothing, and his POST changes nothing of shop A;
- CSRF: every URL refuses a POST without the CSRF token (no view is exempt but the till API,
  which authenticates devices by a bearer token, never by a cookie).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

from cabas.gestion.stores.models import StoreOwned
from tests.gestion.matrix import Row, all_rows
from tests.gestion.test_permission_matrix import EXCLUDED_NAMESPACES

ROWS = all_rows()


def url_patterns() -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if ns not in EXCLUDED_NAMESPACES:
                    walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern

    walk(get_resolver().url_patterns, None)
    return found


def object_url_names() -> set[str]:
    """URL names with an object id (int or uuid) among their parameters."""
    names = set()
    for name, pattern in url_patterns().items():
        converters = getattr(pattern.pattern, "converters", {})
        if any(isinstance(c, IntConverter | UUIDConverter) for c in converters.values()):
            names.add(name)
    return names


OBJECT_NAMES = object_url_names()
OBJECT_ROWS = [row for row in ROWS if row.url_name in OBJECT_NAMES and row.kwargs is not None]


def shop_a_state(store_id: int) -> dict[str, Any]:
    """Every row of shop A, model by model (to prove a refused POST changed nothing)."""
    state: dict[str, Any] = {}
    for model in apps.get_models():
        if issubclass(model, StoreOwned):
            state[model._meta.label] = list(
                model._default_manager.filter(store_id=store_id).order_by("pk").values()
            )
    return state


def test_every_page_addressed_by_an_id_is_tried_with_an_object_of_shop_a() -> None:
    covered = {row.url_name for row in OBJECT_ROWS}
    missing = sorted(OBJECT_NAMES - covered)
    assert not missing, f"pages by id with no matrix row giving them a shop A object: {missing}"


def ghost_kwargs(pattern: URLPattern, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The same parameters with every object id replaced by one that exists nowhere."""
    converters = getattr(pattern.pattern, "converters", {})
    ghost = dict(kwargs)
    for name, converter in converters.items():
        if isinstance(converter, IntConverter):
            ghost[name] = 2_000_000_000
        elif isinstance(converter, UUIDConverter):
            ghost[name] = uuid.UUID(int=0x0BADC0FFEE)
    return ghost


def answer(client: Client, method: str, url: str, data: dict[str, Any]) -> tuple[int, str]:
    response = getattr(client, method)(url, data)
    return response.status_code, response.get("Location", "")


PATTERNS = url_patterns()


class RolledBack(Exception):  # noqa: N818
    pass


def in_savepoint(check: Callable[[], None]) -> None:
    """Run `check` and roll back what it created: the matrix rows' builders expect a fresh
    world (the permission matrix gives each its own; here one world serves every row)."""
    try:
        with transaction.atomic():
            check()
            raise RolledBack
    except RolledBack:
        pass


def test_another_shops_manager_learns_nothing_and_changes_nothing_by_id(
    world: Any, client: Client
) -> None:
    client.force_login(world.charlie)
    problems: list[str] = []

    def try_row(row: Row) -> None:
        assert row.kwargs is not None
        kwargs = row.kwargs(world)
        url = reverse(row.url_name, kwargs=kwargs)
        ghost = reverse(row.url_name, kwargs=ghost_kwargs(PATTERNS[row.url_name], kwargs))
        data = row.data(world) if row.data else {}
        before = shop_a_state(world.store_a.pk)
        for method in ("get", "post"):
            real = answer(client, method, url, data)
            if real[0] in (200, 201, 204):
                problems.append(f"{method.upper()} {url} as charlie: {real}")
            elif real != answer(client, method, ghost, data):
                problems.append(f"{method.upper()} {url}: answer differs from a missing id's")
        if shop_a_state(world.store_a.pk) != before:
            problems.append(f"charlie's POST to {url} changed shop A")

    for row in OBJECT_ROWS:
        in_savepoint(lambda row=row: try_row(row))  # type: ignore[misc]
    assert not problems, problems
    assert len(OBJECT_ROWS) > 10  # the matrix gave pages to try


def csrf_refused(request: HttpRequest, reason: str = "") -> HttpResponse:
    response = HttpResponse(f"CSRF: {reason}", status=403)
    response["X-Test-Csrf-Refused"] = "1"
    return response


def test_a_post_without_the_csrf_token_is_refused_on_every_url(world: Any, settings: Any) -> None:
    settings.CSRF_FAILURE_VIEW = "tests.faults.test_idor_and_csrf.csrf_refused"
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    accepted: list[str] = []
    names = sorted({row.url_name for row in ROWS})
    first_row = {name: next(row for row in ROWS if row.url_name == name) for name in names}

    def try_url(row: Row) -> None:
        url = reverse(row.url_name, kwargs=row.kwargs(world) if row.kwargs else {})
        response = client.post(url, row.data(world) if row.data else {})
        if response.status_code != 403 or response.get("X-Test-Csrf-Refused") != "1":
            accepted.append(f"{url}: {response.status_code}")

    for name in names:
        in_savepoint(lambda row=first_row[name]: try_url(row))  # type: ignore[misc]
    assert not accepted, accepted
    assert len(names) > 50
