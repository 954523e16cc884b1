"""French first; the English catalogue is started and used when the browser asks for English."""

from __future__ import annotations

from django.urls import reverse


def test_the_login_page_speaks_french_by_default(client, db) -> None:
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'lang="fr"' in page
    assert "Se connecter" in page


def test_the_login_page_speaks_english_to_an_english_browser(client, db) -> None:
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in page
    assert "Sign in" in page
    assert "Forgotten password?" in page
