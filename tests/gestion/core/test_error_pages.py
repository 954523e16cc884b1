"""A missing page is the shop's French page, in development too (issue #21, item 16)."""

from __future__ import annotations

from cabas.protocol import API_PREFIX


def test_a_missing_page_is_french_in_development(alice_client, settings) -> None:
    settings.DEBUG = True
    response = alice_client.get("/cette-page-n-existe-pas/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page introuvable" in html
    assert "Page not found" not in html and "URLconf" not in html


def test_an_object_of_another_shop_is_the_same_french_page(client, world, settings) -> None:
    settings.DEBUG = True
    client.force_login(world.charlie)
    response = client.get(f"/parametres/equipe/{world.store_a.memberships.first().pk}/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_the_api_keeps_its_json_errors(client, settings) -> None:
    settings.DEBUG = True
    response = client.get(f"{API_PREFIX}nothing-here")
    assert response.status_code in (401, 404)
    assert response["Content-Type"].startswith("application/json")


def test_the_readme_says_how_to_change_the_address() -> None:
    from pathlib import Path

    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    assert "HOST=" in readme
