"""Every URL of la gestion answers each person as the matrix says; no URL is left unlisted."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.gestion.matrix import ACTORS, Row, all_rows

# Namespaces outside the matrix: Django's admin (superusers only, tested by Django) and the till
# API, which answers device tokens, not people (tests/gestion/tillapi covers it).
EXCLUDED_NAMESPACES = {"admin", "pos_api"}
ROWS = all_rows()


def project_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if ns in EXCLUDED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return names


def test_every_url_of_the_project_has_a_row_in_the_matrix() -> None:
    listed = {row.url_name for row in ROWS}
    missing = sorted(project_url_names() - listed)
    assert not missing, f"URLs missing from the permission matrix: {missing}"


def test_no_row_names_a_url_that_does_not_exist() -> None:
    stale = sorted({row.url_name for row in ROWS} - project_url_names())
    assert not stale, f"Matrix rows for URLs that no longer exist: {stale}"


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.method}:{row.url_name}")
def test_each_person_gets_the_expected_answer(row: Row, world, client) -> None:
    kwargs = row.kwargs(world) if row.kwargs else {}
    url = reverse(row.url_name, kwargs=kwargs)
    data = row.data(world) if row.data else {}
    got = {}
    for actor in ACTORS:
        client.logout()
        person = world.person(actor)
        if person is not None:
            client.force_login(person)
        response = getattr(client, row.method)(url, data)
        got[actor] = response.status_code
    assert got == row.expect, f"{row.url_name} ({url})"
